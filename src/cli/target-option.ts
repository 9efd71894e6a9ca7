import { ErpDeltaError } from '../errors/erp-delta-error.js';

/** A target's base URL, given with --target: an http(s) URL. */
export function parseTarget(target: string): string {
  if (!URL.canParse(target) || !/^https?:$/.test(new URL(target).protocol)) throw new ErpDeltaError('INVALID_OPTION', `--target "${target}" is not an http(s) URL.`);
  return target;
}
