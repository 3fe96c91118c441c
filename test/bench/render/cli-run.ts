/**
 * Runs the built nkd CLI in this process and, as it exits, writes its peak memory to stderr
 * as the last line `nkd-bench-maxrss <KiB>` (the CLI's own process; RSA key children not counted).
 * Usage: node cli-run.js <dist/cmd/nkd/main.js> <nkd arguments…>
 */
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [main, ...args] = process.argv.slice(2);
process.argv = [process.argv[0]!, main!, ...args];
process.on('exit', () => writeSync(2, `\nnkd-bench-maxrss ${process.resourceUsage().maxRSS}\n`));
await import(pathToFileURL(main!).href);
