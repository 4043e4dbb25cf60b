#!/usr/bin/env node
// Checked in rather than pointing the bin at dist/: npm links a workspace's commands at install time, and
// skips a bin whose file does not exist yet, so `npx sextant-w3c-service` failed on a fresh clone.
import { existsSync } from 'node:fs';

const main = new URL('../dist/w3c-service-main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('sextant-w3c-service: @sextant/node is not built yet: run `npm run build` at the top of the repository\n');
  process.exit(1);
}
await import(main.href);
