// @sextant/server must install on its own: none of its runtime dependencies may be a private workspace package
// (the demo shop is private and loaded only by `sextant demo`), and test-only tools stay out of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../../../testing/fixtures.js';

type Manifest = { name: string; private?: boolean; workspaces?: string[]; dependencies?: Record<string, string> };
const read = (dir: string) => JSON.parse(readFileSync(`${REPO_ROOT}/${dir}/package.json`, 'utf8')) as Manifest;

test('@sextant/server depends on no private package and on no test-only library', () => {
  const workspaces = new Map(read('.').workspaces!.map((dir) => [read(dir).name, read(dir)]));
  const deps = Object.keys(read('packages/server').dependencies ?? {});
  for (const dep of deps) {
    assert.notEqual(workspaces.get(dep)?.private, true, `${dep} is a private workspace package`);
  }
  assert.ok(!deps.includes('protobufjs'), 'protobufjs only cross-checks the codec in tests');
  assert.ok(!deps.includes('@sextant/demo'));
});
