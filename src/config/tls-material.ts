import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { resolveSecretReference } from './secret-reference.js';

/**
 * The PEM texts of a TLS section of the config (`kafka.ssl`, `registry.tls`,
 * `capture.connect.tls`, `delivery.tls`), as Node's TLS takes them.
 */
export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

/** A TLS section as the config holds it: each value PEM text, or the path of a PEM file. */
export interface TlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

const PEM_TEXT = /^\s*-----BEGIN /;

/**
 * Reads a TLS section once, at start-up, and checks it as Node's TLS will use it: a file that
 * cannot be read, a CA or certificate that holds no certificate, a key that does not match its
 * certificate each stop the start-up naming the key (`prefix` is the section's path, such as
 * `kafka.ssl`).
 *
 * One rule for every value, so that it is never ambiguous: a value that starts with
 * `-----BEGIN ` is the PEM text itself (as a `${file:...}` or `${env:...}` reference gives it);
 * any other value is the path of a PEM file, relative to the working directory. A path cannot be
 * mistaken for PEM text, and PEM text is never opened as a file.
 */
export function readTlsMaterial(tls: TlsFiles, prefix: string): TlsMaterial {
  const read = (value: string | undefined, name: keyof TlsFiles): string | undefined => {
    if (value === undefined) return undefined;
    const key = `${prefix}.${name}`;
    // A no-op on a value the config loader resolved already; kept for values set in code.
    const resolved = resolveSecretReference(value, key);
    if (PEM_TEXT.test(resolved)) return resolved;
    try {
      return readFileSync(resolved, 'utf8');
    } catch (error) {
      throw new ErpDeltaError('INVALID_CONFIG', `${key} names the file ${resolved}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, {
        cause: error,
        hint: `Give ${key} the path of a PEM file, or the PEM text itself (for example as "\${file:/path/to/file.pem}").`,
      });
    }
  };
  const material = { ca: read(tls.ca, 'ca'), cert: read(tls.cert, 'cert'), key: read(tls.key, 'key') };
  // Node takes a CA without any certificate in it silently, and then trusts nothing.
  for (const name of ['ca', 'cert'] as const) {
    const text = material[name];
    if (text !== undefined && !text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ErpDeltaError('INVALID_CONFIG', `${prefix}.${name} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
    }
  }
  if (material.key !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(material.key)) {
    throw new ErpDeltaError('INVALID_CONFIG', `${prefix}.key holds no PEM private key (-----BEGIN PRIVATE KEY-----).`);
  }
  try {
    createSecureContext(material);
  } catch (error) {
    // OpenSSL's words ("key values mismatch", "no start line") name no file: the keys do.
    const given = (['ca', 'cert', 'key'] as const).filter((name) => tls[name] !== undefined);
    throw new ErpDeltaError('INVALID_CONFIG', `${prefix} (${given.join(', ')}) cannot be used: ${(error as Error).message}.`, { cause: error });
  }
  return Object.fromEntries(Object.entries(material).filter(([, value]) => value !== undefined));
}

/** Node's and OpenSSL's codes for a TLS connection refused over a certificate, either side's. */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What went wrong with TLS in a failed connection or request, if it was TLS: an untrusted or
 * mismatched server certificate, or a handshake the server ended (it wants a client certificate,
 * or not this one). Such a failure does not pass by itself, unlike a server that is down.
 * Follows `cause` (fetch wraps the socket's error) a few levels deep.
 */
export function tlsProblem(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    const code = (cause as NodeJS.ErrnoException).code ?? '';
    if (CERTIFICATE_CODES.has(code) || code.startsWith('ERR_SSL_') || /^ERR_TLS_/.test(code)) return `${cause.message} (${code})`;
  }
  return undefined;
}
