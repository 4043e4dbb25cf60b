// A `sextant serve` child process on ephemeral ports; its printed URLs tell where each listener is.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

export interface ChildServer {
  proc: ChildProcess;
  api: string;
  otlpHttp: string;
  otlpGrpc: string;
  zipkin: string;
  output: () => string;
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--conditions=sextant-source', '--import', 'tsx', ENTRY, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = spawnCli(args);
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => (stderr += d));
  const code = await new Promise<number>((resolve) => proc.on('exit', (c) => resolve(c ?? 1)));
  return { code, stdout, stderr };
}

export async function startChildServer(extraArgs: string[]): Promise<ChildServer> {
  const proc = spawnCli(['serve', '--port', '0', '--otlp-grpc-port', '0', '--otlp-http-port', '0', '--zipkin-port', '0', '--jaeger-http-port', '0', '--jaeger-grpc-port', '0', ...extraArgs]);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!out.includes('Point an OpenTelemetry SDK')) {
    if (proc.exitCode !== null) throw new Error(`sextant serve exited early: ${out}`);
    if (Date.now() > deadline) throw new Error(`sextant serve did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(out)![1]!;
  return { proc, api: url('Web UI and API'), otlpHttp: url('OTLP/HTTP'), otlpGrpc: url('OTLP/gRPC'), zipkin: url('Zipkin'), output: () => out };
}
