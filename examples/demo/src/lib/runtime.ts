// What every demo process shares: its configuration from the launcher's environment, the current scenario
// (kept up to date from stdin), readiness, and an orderly exit that flushes spans.
import { createInterface } from 'node:readline';
import { ENV, READY, SCENARIO_ACK, SCENARIO_REQUEST, SET_SCENARIO } from '../control-protocol.js';
import { isScenarioName, type ScenarioName } from '../scenarios.js';
import type { ProcessName } from '../topology.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: demo processes are started by startDemo()`);
  return value;
}

export const config = {
  port: Number(required(ENV.port)),
  host: required(ENV.host),
  dataDir: required(ENV.dataDir),
};

const urls = JSON.parse(required(ENV.urls)) as Record<ProcessName, string>;

export function serviceUrl(name: ProcessName): string {
  return urls[name];
}

let scenario: ScenarioName = isScenarioName(process.env[ENV.scenario]) ? (process.env[ENV.scenario] as ScenarioName) : 'none';
const scenarioListeners = new Set<(name: ScenarioName) => void>();

export function currentScenario(): ScenarioName {
  return scenario;
}

/** Asks the launcher to switch every process; resolves once this process has switched too. */
export function requestScenario(name: ScenarioName, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (name === scenario) return resolve();
    const timer = setTimeout(() => {
      scenarioListeners.delete(listener);
      reject(new Error(`the launcher did not switch to ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (now: ScenarioName) => {
      if (now !== name) return;
      clearTimeout(timer);
      scenarioListeners.delete(listener);
      resolve();
    };
    scenarioListeners.add(listener);
    process.stdout.write(`${SCENARIO_REQUEST} ${name}\n`);
  });
}

const closers: (() => Promise<void> | void)[] = [];
let exiting = false;

/** Runs at exit, last registered first (the telemetry flush is registered first, so it runs last). */
export function onExit(close: () => Promise<void> | void): void {
  closers.push(close);
}

async function exit(): Promise<void> {
  if (exiting) return;
  exiting = true;
  for (const close of closers.reverse()) {
    try {
      await close();
    } catch (error) {
      process.stderr.write(`exit: ${(error as Error).message}\n`);
    }
  }
  process.exit(0);
}

export function ready(): void {
  process.stdout.write(`${READY}\n`);
}

process.once('SIGTERM', () => void exit());
process.once('SIGINT', () => void exit());
// A closed stdin means the launcher is gone (even if it was killed): never outlive it.
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [command, name] = line.trim().split(/\s+/);
    if (command !== SET_SCENARIO || !isScenarioName(name)) return;
    scenario = name;
    for (const listener of [...scenarioListeners]) listener(name);
    process.stdout.write(`${SCENARIO_ACK} ${name}\n`);
  })
  .on('close', () => void exit());
