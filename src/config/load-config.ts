import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { projectFiles } from '../project-files.js';
import { keyName, resolveReferences } from './config-references.js';
import { applyEnvOverrides, type EnvOverride } from './env-overrides.js';
import { configSchema, parseConfig, type TrackerConfig } from './tracker-config.js';

export interface LoadedConfig {
  config: TrackerConfig;
  /** Key path -> the `${env:NAME}` or `${file:PATH}` its value came from: `config print` shows these. */
  references: ReadonlyMap<string, string>;
  /** The ERP_DELTA__ variables that set keys, in the order applied. */
  overrides: readonly EnvOverride[];
  /** With `keepUnresolvedReferences`: a line per reference left as written because it cannot be read. */
  unresolved: readonly string[];
}

export interface LoadOptions {
  /** Where ERP_DELTA__ overrides and `${env:NAME}` are read from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** `config print`: show a config whose secrets this machine lacks, rather than fail. */
  keepUnresolvedReferences?: boolean;
}

/**
 * Reads and validates the tracker config, as every command does. Without a path, the config
 * shipped with erp-delta, which serves the local stack's sample ERP.
 */
export function loadConfig(path: string = projectFiles.defaultConfig): TrackerConfig {
  return readConfig(path).config;
}

/**
 * The config of a file as erp-delta runs with it, in this order (docs/configuration.md):
 * 1. the file, YAML or JSON (JSON is read by the same YAML 1.2 parser, whatever the file is
 *    called); a key given twice is an error rather than a silent "last one wins";
 * 2. the ERP_DELTA__ environment variables, each setting a key (env-overrides.ts);
 * 3. every `${env:NAME}` and `${file:PATH}`, read once, here (config-references.ts);
 * 4. validation, whose messages name the key, the variable or reference a value came from, and
 *    no value read from a reference or held by a secret's key.
 */
export function readConfig(path: string = projectFiles.defaultConfig, options: LoadOptions = {}): LoadedConfig {
  const origin = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ErpDeltaError('INVALID_CONFIG', `Cannot read the config file ${origin}: ${(error as Error).message}`, { cause: error });
  }
  let input: unknown;
  try {
    input = parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    // Its first line says what and where; the lines quoted from the file after it may hold a secret.
    const reason = error instanceof YAMLParseError ? (error.message.split('\n')[0] ?? '').replace(/:$/, '') : String(error);
    throw new ErpDeltaError('INVALID_CONFIG', `${origin} is neither valid YAML nor JSON: ${reason}`, { cause: error });
  }
  const env = options.env ?? process.env;
  const { config: overridden, overrides } = applyEnvOverrides(input, env, configSchema);
  const {
    config: resolved,
    references,
    unresolved,
  } = resolveReferences(overridden, configSchema, {
    env,
    keepUnresolved: options.keepUnresolvedReferences === true,
  });
  const sources = {
    sourceOf: (key: readonly PropertyKey[]) => references.get(keyName(key)) ?? overrides.findLast((override) => isWithin(key, override.path))?.variable,
    hidesValue: (key: readonly PropertyKey[]) => references.has(keyName(key)),
  };
  return { config: parseConfig(resolved, origin, sources), references, overrides, unresolved };
}

function isWithin(path: readonly PropertyKey[], ancestor: readonly string[]): boolean {
  return ancestor.length <= path.length && ancestor.every((key, index) => path[index] === key);
}

/** The path as the user would type it: relative to the working directory when inside it. */
function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd !== '' && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}
