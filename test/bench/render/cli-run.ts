/**
 * Runs the built nkd CLI in this process and, as it exits, writes its peak memory and CPU time
 * to stderr as the last line `nkd-bench-usage <maxRSS KiB> <user+system µs>` (the CLI's own
 * process; the RSA key children are not counted).
 * Usage: node cli-run.js <dist/cmd/nkd/main.js> <nkd arguments…>
 */
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [main, ...args] = process.argv.slice(2);
process.argv = [process.argv[0]!, main!, ...args];
process.on('exit', () => {
  const u = process.resourceUsage();
  writeSync(2, `\nnkd-bench-usage ${u.maxRSS} ${u.userCPUTime + u.systemCPUTime}\n`);
});
await import(pathToFileURL(main!).href);
