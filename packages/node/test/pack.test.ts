// @sextant/node is publishable: `npm pack` yields a tarball that installs into an app outside this repository
// (its own node_modules, no workspace links) and, loaded with `node --import @sextant/node/register`, traces the
// app's HTTP requests to a real Sextant. Dependencies come from the registry as for any user (the npm cache
// makes it quick when they are already there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSextant } from '@sextant/server';
import { REPO_ROOT } from '../../../testing/fixtures.js';

const PACKAGE_DIR = resolve(REPO_ROOT, 'packages/node');

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('npm pack → npm install in a temporary app → the app is traced', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-node-pack-'));
  const sextant = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpGrpcPort: 0, otlpHttpPort: 0, zipkinPort: 0, uiDir: null });
  try {
    // `prepack` compiles dist/, so the tarball never ships stale or missing JavaScript.
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], PACKAGE_DIR)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    for (const f of ['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/register.js', 'LICENSE']) assert.ok(files.includes(f), `the tarball holds ${f}`);
    assert.ok(!files.some((f) => f.startsWith('test/')), 'tests are not published');
    const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.ok(!Object.keys(manifest.dependencies).some((d) => d.startsWith('@sextant/')), 'no workspace-only dependency');

    const app = join(dir, 'app');
    run('mkdir', ['-p', app], dir);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', version: '1.0.0', private: true, type: 'module' }));
    writeFileSync(
      join(app, 'app.js'),
      `import { createServer } from 'node:http';
import { withSpan, currentTraceId } from '@sextant/node';
const server = createServer(async (req, res) => {
  const id = await withSpan('look-up', { 'app.step': 'one' }, async () => currentTraceId());
  res.end(id ?? 'none');
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const res = await fetch('http://127.0.0.1:' + port + '/hello');
  console.log('trace ' + (await res.text()));
  server.close();
});
`,
    );
    run('npm', ['install', '--prefer-offline', '--no-package-lock', join(dir, packed[0]!.filename)], app);

    const child = spawn(process.execPath, ['--import', '@sextant/node/register', 'app.js'], {
      cwd: app,
      env: { ...process.env, OTEL_SERVICE_NAME: 'pack-test-app', OTEL_EXPORTER_OTLP_ENDPOINT: sextant.urls.otlpHttp!, OTEL_BSP_SCHEDULE_DELAY: '100', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1)));
    assert.equal(code, 0, out);
    const traceId = /trace ([0-9a-f]{32})/.exec(out)?.[1];
    assert.ok(traceId, `the app printed its trace id: ${out}`);

    let names: string[] = [];
    for (let i = 0; i < 50 && names.length < 3; i++) {
      const res = await fetch(`${sextant.urls.api}/api/v1/traces/${traceId}`);
      if (res.status === 200) {
        const doc = (await res.json()) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string }[] }[] }[] };
        names = doc.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
        assert.ok(doc.resourceSpans.every((rs) => rs.resource.attributes.some((a) => a.key === 'service.name' && a.value.stringValue === 'pack-test-app')));
      }
      if (names.length < 3) await sleep(200);
    }
    // The fetch client span, the http server span it reached, and the custom span inside the handler.
    assert.ok(names.includes('look-up'), `spans: ${names.join(', ')}`);
    assert.ok(names.some((n) => n.startsWith('GET')), `spans: ${names.join(', ')}`);
    assert.ok(names.length >= 3, `spans: ${names.join(', ')}`);
  } finally {
    await sextant.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
