import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export const DOCKERFILE = join(root, 'Dockerfile');
export const DOCKERIGNORE = join(root, '.dockerignore');

export interface Instruction {
  /** The instruction in capitals: FROM, RUN, ENV, ... */
  keyword: string;
  /** The rest of the line, continuation lines joined. */
  args: string;
  /** The build stage it belongs to (0 for the first FROM, ...); -1 before the first FROM. */
  stage: number;
}

/**
 * The Dockerfile's instructions, for the tests that check it against what erp-delta does (no
 * Docker engine runs here, so it cannot be built in CI). Handles what this Dockerfile uses:
 * comments, `\` continuations, one instruction per logical line.
 */
export function dockerfileInstructions(path = DOCKERFILE): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${current}${line}`.trim());
    current = '';
  }
  let stage = -1;
  return logical
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      const keyword = (space === -1 ? line : line.slice(0, space)).toUpperCase();
      if (keyword === 'FROM') stage += 1;
      return { keyword, args: space === -1 ? '' : line.slice(space + 1).trim(), stage };
    });
}

/** `KEY=value` pairs of ENV and ARG instructions (a value with spaces in double or single quotes). */
export function assignments(args: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const [, key, value] of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)) {
    if (key !== undefined && value !== undefined) pairs[key] = value.replace(/^(["'])(.*)\1$/, '$2');
  }
  return pairs;
}

/** A shell command of a RUN line as words (this Dockerfile's commands quote nothing). */
export function words(command: string): string[] {
  return command.split(/\s+/).filter((word) => word !== '');
}
