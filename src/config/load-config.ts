import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { projectFiles } from '../project-files.js';
import { parseConfig, type TrackerConfig } from './tracker-config.js';

/**
 * Reads and validates the tracker config. Without a path, the config shipped with erp-delta, which
 * serves the local stack's sample ERP. YAML or JSON: JSON is read by the same YAML 1.2 parser,
 * whatever the file is called, so the file's extension does not matter. A key given twice is an
 * error rather than a silent "last one wins".
 */
export function loadConfig(path: string = projectFiles.defaultConfig): TrackerConfig {
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
    const reason = error instanceof YAMLParseError ? error.message : String(error);
    throw new ErpDeltaError('INVALID_CONFIG', `${origin} is neither valid YAML nor JSON: ${reason}`, { cause: error });
  }
  return parseConfig(input, origin);
}

/** The path as the user would type it: relative to the working directory when inside it. */
function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd !== '' && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}
