#!/usr/bin/env node
// sextant-w3c-service [--port 5000] [--host 127.0.0.1]: the W3C Trace Context harness service, instrumented
// by @sextant/node. Prints `LISTENING <port>` once ready.
import { parseArgs } from 'node:util';
import { start } from './start.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '5000' }, host: { type: 'string', default: '127.0.0.1' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sextant-w3c-service: --port must be a port number, got ${values.port}\n`);
  process.exit(2);
}
start({ serviceName: 'sextant-w3c-service' });
// Loaded after start() so that node:http is instrumented.
const { createServer } = await import('node:http');
const { w3cTestHandler } = await import('./w3c-service.js');
const server = createServer(w3cTestHandler);
server.listen(port, values.host, () => {
  const address = server.address();
  process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : port}\n`);
});
