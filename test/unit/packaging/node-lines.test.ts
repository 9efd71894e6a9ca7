/**
 * The Node lines erp-delta supports (test/node-lines/package.json, which the test command runs
 * on) against what package.json and its dependencies say about Node.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectFiles } from '../../../src/project-files.js';
import { nodeLines } from '../../support/node-lines.js';

const manifest = JSON.parse(readFileSync(join(projectFiles.root, 'package.json'), 'utf8')) as { engines: { node: string }; dependencies: Record<string, string> };

type Version = [number, number, number];

function version(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.split('.').map(Number);
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether a version satisfies an npm `engines` range, for the forms engines use: `||` of
 * space-separated comparators (>=, >, <=, <, =), caret and tilde ranges, x-ranges and `*`.
 */
function satisfies(text: string, range: string): boolean {
  const v = version(text);
  return range
    .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
    .split('||')
    .some((set) =>
      set
        .trim()
        .split(/\s+/)
        .filter((part) => part !== '')
        .every((comparator) => {
          const match = /^(>=|<=|>|<|=|\^|~)?v?(\d+|[x*])?(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?/.exec(comparator);
          if (comparator === '*' || match === null || match[2] === undefined || /[x*]/.test(match[2])) return true;
          const [operator = '', major, minor, patch] = [match[1], Number(match[2]), match[3], match[4]];
          const given = [major, minor === undefined || /[x*]/.test(minor) ? undefined : Number(minor), patch === undefined || /[x*]/.test(patch) ? undefined : Number(patch)] as const;
          const low: Version = [given[0], given[1] ?? 0, given[2] ?? 0];
          switch (operator) {
            case '>=':
              return compare(v, low) >= 0;
            case '>':
              return compare(v, low) > 0;
            case '<':
              return compare(v, low) < 0;
            case '<=':
              return given[1] === undefined ? v[0] <= low[0] : compare(v, low) <= 0;
            case '~':
              return compare(v, low) >= 0 && (given[1] === undefined ? v[0] === low[0] : v[0] === low[0] && v[1] === low[1]);
            case '^':
              return compare(v, low) >= 0 && v[0] === low[0];
            default:
              return given[1] === undefined ? v[0] === low[0] : given[2] === undefined ? v[0] === low[0] && v[1] === low[1] : compare(v, low) === 0;
          }
        }),
    );
}

/** The lowest version `engines.node` allows: the floor this package claims (`>=X.Y.Z`). */
function floor(range: string): string {
  const match = /^>=\s*(\d+\.\d+\.\d+)$/.exec(range.trim());
  assert.ok(match?.[1], `package.json's engines.node is a floor, >=X.Y.Z (it is ${range})`);
  return match[1];
}

describe('Node lines', () => {
  it('are three LTS lines (even majors), the newest the active one that runs every test', () => {
    const lines = nodeLines();
    assert.equal(lines.length, 3);
    for (const line of lines) assert.equal(line.major % 2, 0, `Node ${line.major} is an LTS line`);
    assert.deepEqual(
      lines.filter((line) => line.role === 'active').map((line) => line.major),
      [Math.max(...lines.map((line) => line.major))],
    );
  });

  it("all lie above the floor of package.json's engines, whose major is the oldest line's", () => {
    const lowest = floor(manifest.engines.node);
    for (const line of nodeLines()) assert.ok(satisfies(line.version, manifest.engines.node), `Node ${line.version} satisfies engines.node ${manifest.engines.node}`);
    assert.equal(version(lowest)[0], Math.min(...nodeLines().map((line) => line.major)), 'the floor is on the oldest line tested');
  });

  it('the floor satisfies what every dependency asks of Node, so that a dependency raising it fails here', () => {
    const lowest = floor(manifest.engines.node);
    for (const name of Object.keys(manifest.dependencies)) {
      // A direct dependency sits at the top of node_modules (some export no ./package.json to resolve).
      const dependency = JSON.parse(readFileSync(join(projectFiles.root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string; engines?: { node?: string } };
      const range = dependency.engines?.node;
      if (range === undefined) continue;
      assert.ok(
        satisfies(lowest, range),
        `${name}@${dependency.version} asks for Node ${range}, above erp-delta's floor ${lowest}: raise engines.node (and the oldest line's pin), or keep ${name} back`,
      );
    }
  });

  it('reads engines ranges as npm does', () => {
    assert.ok(satisfies('22.19.0', '>=22.19.0'));
    assert.ok(!satisfies('22.18.9', '>=22.19.0'));
    assert.ok(satisfies('22.19.0', '^16||^18||>=20'));
    assert.ok(!satisfies('19.9.0', '^16 || ^18 || >=20'));
    assert.ok(satisfies('22.19.0', '>=18'));
    assert.ok(satisfies('22.19.0', '>=0.11'));
    assert.ok(satisfies('22.19.0', '>= 14.6') === satisfies('22.19.0', '>=14.6'));
    assert.ok(!satisfies('24.0.0', '^22.12.0'));
    assert.ok(satisfies('22.13.1', '~22.13.0') && !satisfies('22.14.0', '~22.13.0'));
    assert.ok(satisfies('22.19.0', '*'));
  });
});
