// startDemo(): runs each service of the shop as its own Node process, wires them together, and switches fault
// scenarios in all of them at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ENV, READY, SCENARIO_ACK, SCENARIO_REQUEST, SET_SCENARIO } from './control-protocol.js';
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './scenarios.js';
import { PROCESSES, type ProcessName } from './topology.js';

export interface DemoOptions {
  /** Sextant's OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (the services post to /v1/traces under it). */
  otlpEndpoint: string;
  /** Fault scenario to start with; default `none`. */
  scenario?: ScenarioName;
  /** Gateway port; the other processes take the next ones (9 more). Default: free ports chosen by the system. */
  basePort?: number;
  /** Listen address of every process; default 127.0.0.1. */
  host?: string;
  /** Where the DuckDB files go. Default: a temporary directory, removed by stop(). */
  dataDir?: string;
  /** Sextant's web UI, linked from the control page. */
  sextantUrl?: string;
  /** Extra environment for every process (e.g. OTEL_BSP_SCHEDULE_DELAY, OTEL_TRACES_SAMPLER). */
  env?: Record<string, string | undefined>;
  /** Receives every line the processes print on stderr. Default: dropped (the last lines are kept for errors). */
  onLog?: (process: ProcessName, line: string) => void;
  /** How long to wait for every process to be ready; default 60 s. */
  startTimeoutMs?: number;
}

export interface RunningDemo {
  /** The gateway: JSON API under /api, control page at /. */
  gatewayUrl: string;
  urls: Record<ProcessName, string>;
  dataDir: string;
  scenario(): ScenarioName;
  /** Switches every process; resolves once all of them have switched. */
  setScenario(name: ScenarioName): Promise<void>;
  /** Stops every process (SIGTERM, which flushes their spans; SIGKILL after 10 s) and removes a temporary data dir. */
  stop(): Promise<void>;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** Running from the TypeScript sources (tests, tsx): the children must be too. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = join(HERE, FROM_SOURCE ? 'service-main.ts' : 'service-main.js');
const NODE_ARGS = FROM_SOURCE ? ['--conditions=sextant-source', '--import', 'tsx'] : [];
const STOP_GRACE_MS = 10_000;
const KEPT_LINES = 30;

interface Child {
  name: ProcessName;
  process: ChildProcess;
  ready: Promise<void>;
  /** The scenario this process last said it switched to. */
  scenario: string;
  onAck: Set<() => void>;
  stderr: string[];
}

async function freePorts(count: number, host: string): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer().listen(0, host);
      await once(server, 'listening');
      return server;
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const host = options.host ?? '127.0.0.1';
  let scenario: ScenarioName = options.scenario ?? 'none';
  if (!isScenarioName(scenario)) throw new Error(`unknown scenario '${String(scenario)}': one of ${SCENARIO_NAMES.join(', ')}`);
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'sextant-demo-')) : resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const ports = options.basePort !== undefined ? PROCESSES.map((_, i) => options.basePort! + i) : await freePorts(PROCESSES.length, host);
  const urls = Object.fromEntries(PROCESSES.map((name, i) => [name, urlFor(host, ports[i])])) as Record<ProcessName, string>;

  const children: Child[] = [];
  let stopping: Promise<void> | undefined;

  function broadcast(name: ScenarioName): Promise<void> {
    scenario = name;
    return Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done, fail) => {
            const check = () => {
              if (child.scenario === name) {
                child.onAck.delete(check);
                done();
              } else if (child.process.exitCode !== null || child.process.signalCode !== null) {
                child.onAck.delete(check);
                fail(new Error(`${child.name} exited before switching to ${name}`));
              }
            };
            child.scenario = '';
            child.onAck.add(check);
            child.process.stdin!.write(`${SET_SCENARIO} ${name}\n`);
          }),
      ),
    ).then(() => undefined);
  }

  function launch(name: ProcessName, port: number): Child {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      OTEL_SERVICE_NAME: name,
      OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint,
      // The endpoint given here is where spans must go, whatever the signal-specific variables said.
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: undefined,
      OTEL_BSP_SCHEDULE_DELAY: options.env?.OTEL_BSP_SCHEDULE_DELAY ?? process.env.OTEL_BSP_SCHEDULE_DELAY ?? '500',
      [ENV.port]: String(port),
      [ENV.host]: host,
      [ENV.dataDir]: dataDir,
      [ENV.urls]: JSON.stringify(urls),
      [ENV.scenario]: scenario,
      [ENV.sextantUrl]: options.sextantUrl,
    };
    const child = spawn(process.execPath, [...NODE_ARGS, ENTRY, name], { cwd: HERE, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const state: Child = { name, process: child, ready: Promise.resolve(), scenario, onAck: new Set(), stderr: [] };
    const exited = once(child, 'exit');
    state.ready = new Promise<void>((done, fail) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const [command, arg] = line.split(' ');
        if (command === READY) done();
        else if (command === SCENARIO_ACK) {
          state.scenario = arg;
          for (const check of [...state.onAck]) check();
        } else if (command === SCENARIO_REQUEST && isScenarioName(arg)) {
          void broadcast(arg).catch(() => undefined);
        }
      });
      void exited.then(([code, signal]) => {
        for (const check of [...state.onAck]) check();
        fail(new Error(`${name} exited (${String(code ?? signal)}) before it was ready:\n${state.stderr.join('\n')}`));
      });
    });
    state.ready.catch(() => undefined);
    createInterface({ input: child.stderr! }).on('line', (line) => {
      state.stderr.push(line);
      if (state.stderr.length > KEPT_LINES) state.stderr.shift();
      options.onLog?.(name, line);
    });
    // Writes to a child that died fail with EPIPE; its exit is reported through `ready` or stop().
    child.stdin!.on('error', () => undefined);
    return state;
  }

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      await Promise.all(
        children.map(async ({ process: child }) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }),
      );
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  }

  PROCESSES.forEach((name, i) => children.push(launch(name, ports[i])));
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  try {
    await Promise.race([
      Promise.all(children.map((c) => c.ready)),
      new Promise((_, fail) => {
        timer = setTimeout(() => {
          const late = children.filter((c) => c.process.exitCode === null).map((c) => `${c.name}: ${c.stderr.join('\n')}`);
          fail(new Error(`the demo did not start within ${timeoutMs} ms\n${late.join('\n')}`));
        }, timeoutMs);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    gatewayUrl: urls.gateway,
    urls,
    dataDir,
    scenario: () => scenario,
    setScenario(name) {
      if (!isScenarioName(name)) return Promise.reject(new Error(`unknown scenario '${String(name)}': one of ${SCENARIO_NAMES.join(', ')}`));
      return broadcast(name);
    },
    stop,
  };
}
