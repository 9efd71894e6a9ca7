import type { ErpDeltaError } from '../errors/erp-delta-error.js';

/** How every command tells the user of an ErpDeltaError on stderr: the message, then the hint under it. */
export function writeErrorLines(error: ErpDeltaError): void {
  process.stderr.write(`erp-delta: ${error.message}\n`);
  if (error.hint) process.stderr.write(`  ${error.hint}\n`);
}
