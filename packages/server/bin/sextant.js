#!/usr/bin/env node
import { main } from '../dist/cli.js';

main(process.argv).then((code) => {
  if (typeof code === 'number') process.exitCode = code;
});
