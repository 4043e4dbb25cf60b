#!/usr/bin/env node
// The demo from a shell:
//   node dist/cli.js [--endpoint URL] [--scenario NAME] [--port 8080] [--data DIR] [--concurrency 2] [--duration 0]
//   node dist/cli.js scenario NAME [--gateway http://127.0.0.1:8080]     (switch a running demo)
import { parseArgs } from 'node:util';
import { startDemo } from './launcher.js';
import { runLoad } from './load.js';
import { isScenarioName, SCENARIOS, SCENARIO_NAMES } from './scenarios.js';

const USAGE = `usage:
  sextant-demo [--endpoint URL] [--scenario NAME] [--port N] [--data DIR] [--concurrency N] [--duration SECONDS]
      starts the shop's processes exporting to the OTLP/HTTP endpoint (default $OTEL_EXPORTER_OTLP_ENDPOINT or
      http://127.0.0.1:4318) and drives load until Ctrl-C (or for --duration seconds; 0 = no load)
  sextant-demo scenario NAME [--gateway URL]
      switches a running demo (default gateway http://127.0.0.1:8080)
scenarios:
${Object.entries(SCENARIOS)
  .map(([name, text]) => `  ${name.padEnd(17)} ${text}`)
  .join('\n')}
`;

class UsageError extends Error {}

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, not '${text}'`);
  return n;
}

async function switchScenario(name: string | undefined, gateway: string): Promise<void> {
  if (!isScenarioName(name)) throw new UsageError(`scenario must be one of ${SCENARIO_NAMES.join(', ')}`);
  const res = await fetch(`${gateway}/control/scenario`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenario: name }),
  });
  if (!res.ok) throw new Error(`the gateway at ${gateway} refused: ${await res.text()}`);
  process.stdout.write(`scenario: ${name}\n`);
}

async function run(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      scenario: { type: 'string' },
      port: { type: 'string' },
      data: { type: 'string' },
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      gateway: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals[0] === 'scenario') return switchScenario(positionals[1], values.gateway ?? 'http://127.0.0.1:8080');
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const scenario = values.scenario ?? 'none';
  if (!isScenarioName(scenario)) throw new UsageError(`--scenario must be one of ${SCENARIO_NAMES.join(', ')}`);
  const endpoint = values.endpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318';
  const basePort = positiveInt(values.port, '--port', 8080);
  const concurrency = positiveInt(values.concurrency, '--concurrency', 2);
  const durationS = values.duration === undefined ? Infinity : positiveInt(values.duration, '--duration', 0);

  const demo = await startDemo({
    otlpEndpoint: endpoint,
    scenario,
    basePort,
    dataDir: values.data,
    onLog: (name, line) => process.stderr.write(`[${name}] ${line}\n`),
  });
  process.stdout.write(
    `demo shop running, exporting to ${endpoint}\n` +
      `  control page  ${demo.gatewayUrl}/\n` +
      `  scenario      ${scenario} (switch on the control page or with: sextant-demo scenario NAME --gateway ${demo.gatewayUrl})\n`,
  );
  const stopping = new AbortController();
  const quit = () => stopping.abort();
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
  if (durationS > 0) {
    process.stdout.write(`  load          ${concurrency} shoppers${Number.isFinite(durationS) ? ` for ${durationS} s` : ' until Ctrl-C'}\n`);
    const stats = await runLoad({
      gatewayUrl: demo.gatewayUrl,
      durationMs: Number.isFinite(durationS) ? durationS * 1000 : Number.MAX_SAFE_INTEGER,
      concurrency,
      signal: stopping.signal,
    });
    process.stdout.write(`load: ${stats.sessions} sessions, ${stats.requests} requests, ${stats.errors} errors, ${stats.checkouts} checkouts\n`);
  } else {
    await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve));
  }
  await demo.stop();
}

run().catch((error: unknown) => {
  process.stderr.write(`sextant-demo: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
