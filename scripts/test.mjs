#!/usr/bin/env node
// Runs every workspace's tests with Node's own test runner, straight from the TypeScript sources
// (tsx loader + the `sextant-source` export condition), so a test never runs against a stale build.
// Usage: node scripts/test.mjs [substring-filter...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'examples'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.test\.tsx?$/.test(name) && p.includes(`${'/'}test${'/'}`)) files.push(relative(root, p));
  }
}
for (const r of roots) walk(join(root, r));
const filters = process.argv.slice(2);
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(2);
}
const res = spawnSync(
  process.execPath,
  ['--conditions=sextant-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...selected],
  { cwd: root, stdio: 'inherit', env: { ...process.env, SEXTANT_TEST: '1' } },
);
process.exit(res.status ?? 1);
