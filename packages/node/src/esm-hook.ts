// ESM apps load libraries through the ESM loader, which require-in-the-middle never sees. The OpenTelemetry
// loader hook (import-in-the-middle) lets instrumentations patch `import express from 'express'` too. It only
// affects modules imported after registration, hence `node --import @sextant/node/register app.js`.
import * as nodeModule from 'node:module';

let registered = false;

export function registerEsmLoaderHook(): void {
  if (registered) return;
  // module.register exists from Node 20.6 / 18.19; older runtimes only get CommonJS instrumentation.
  const register = (nodeModule as { register?: (specifier: string, parentURL: string) => void }).register;
  if (typeof register !== 'function') return;
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  registered = true;
}
