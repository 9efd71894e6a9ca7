/**
 * Issue 22: no module reaches into a dependency's internal paths. A package is used through what it
 * exports (its name, or a subpath its package.json exports): a module path under it (kafkajs/src/…)
 * is an implementation detail that a patch release may move, and replacing one at run time turned
 * silently into a no-op when the package loaded first.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCANNED = ['src', 'bin', 'bench'];

/** A package specifier in an import, a dynamic import, a require or a require.resolve. */
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire(?:\.resolve)?\s*\(\s*|^\s*import\s+)['"]([^'".][^'"]*)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(?:ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** The subpath of a package specifier ('' for the package itself), or undefined for a Node built-in. */
function subpathOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return parts.slice(specifier.startsWith('@') ? 2 : 1).join('/');
}

/** The subpaths a package exports, from its package.json's `exports`. */
function exportedSubpaths(name: string): Set<string> {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { exports?: unknown };
  const { exports } = manifest;
  if (typeof exports !== 'object' || exports === null) return new Set();
  return new Set(
    Object.keys(exports)
      .filter((key) => key.startsWith('./') && key !== './package.json')
      .map((key) => key.slice(2)),
  );
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

describe('dependencies', () => {
  it('are used through what they export, never through their internal module paths', () => {
    const reaching: string[] = [];
    for (const folder of SCANNED) {
      for (const file of sourceFiles(join(ROOT, folder))) {
        for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
          const specifier = match[1] ?? '';
          const subpath = subpathOf(specifier);
          if (!subpath) continue;
          if (!exportedSubpaths(packageName(specifier)).has(subpath)) reaching.push(`${relative(ROOT, file)}: ${specifier}`);
        }
      }
    }
    assert.deepEqual(reaching, []);
  });

  it('finds such a reach where there is one (the check is not vacuous)', () => {
    const found = [..."const e = require('kafkajs/src/protocol/error.js');\nimport { x } from '@kafkajs/confluent-schema-registry';".matchAll(SPECIFIER)].map((match) => match[1]);
    assert.deepEqual(found, ['kafkajs/src/protocol/error.js', '@kafkajs/confluent-schema-registry']);
    assert.equal(subpathOf('kafkajs/src/protocol/error.js'), 'src/protocol/error.js');
    assert.equal(subpathOf('@kafkajs/confluent-schema-registry'), '');
    assert.equal(exportedSubpaths('kafkajs').has('src/protocol/error.js'), false);
  });
});
