// Runs the CLI from TypeScript sources in a child process (tests spawn it with tsx).
import { main } from '../../src/cli.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
