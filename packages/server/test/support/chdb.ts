// The ClickHouse tests run the real engine through chdb, an optional install. In CI (CI=true) chdb must be
// there and its absence fails the tests; locally they skip, saying why.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

async function probe(): Promise<string | null> {
  try {
    const name = 'chdb/connection';
    await import(name);
    return null;
  } catch (err) {
    const why = `chdb is not installed (npm install --no-save chdb@3.4.0 to run the ClickHouse tests): ${(err as Error).message}`;
    if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI must run the ClickHouse tests: ${why}`);
    process.stdout.write(`# skipping ClickHouse tests: ${why}\n`);
    return why;
  }
}

/** `false` when chdb is there, else the reason to skip (node:test's `skip` option takes either). */
export const chdbMissing: string | false = (await probe()) ?? false;

const FIXTURE = fileURLToPath(new URL('./chdb-http.ts', import.meta.url));

export interface ClickHouseHttp {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
}

async function launch(dir: string, port: number): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /listening (\d+)/.exec(out);
    if (m) return { proc, port: Number(m[1]) };
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`the chdb HTTP fixture did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A ClickHouse HTTP endpoint backed by chdb in a child process (see chdb-http.ts). */
export async function startClickHouseHttp(dir: string): Promise<ClickHouseHttp> {
  let { proc, port } = await launch(dir, 0);
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      ({ proc } = await launch(dir, port));
    },
  };
}
