/**
 * The layout's import rules (DESIGN "Layout", issue 22), checked on the import statements of every
 * src/**\/*.ts file, type-only ones included, so that an import that breaks them fails here, naming
 * the file, the line and the import, instead of the folders drifting back into one another.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The flow a CDC record takes, in order: capture → tracker → state → delta topics → delivery. The
 * delta topics are Kafka topics, not a folder, so they are not listed; they are where the tracker's
 * output ends and the only way it reaches delivery/.
 *
 * Why both directions are closed: DESIGN says a folder never imports one after it in the flow;
 * issue 22 says never one above it, which reads as upstream. Read together, no folder of the flow
 * imports another at all: they share model/ (pure types and decisions: the task's store as an
 * interface, column sightings, snapshot targets), and cli/ wires them. What the tracker calls of
 * capture/ and state/ it declares as its parts (tracker/tracker-parts.ts), which cli/ builds from
 * them (cli/tracker-parts.ts); the watch of the capture runs beside the tracker
 * (cli/watched-tracker.ts). Type-only imports count: a type is a dependency on its folder too.
 */
const FLOW = ['capture', 'tracker', 'state', 'delivery'] as const;

/** The runtime that carries a record through the flow: only the folders that wire it import it. */
const RUNTIME = 'tracker';

/**
 * The folders the tracker's runtime is wired from, and where the stages of the flow meet instead of
 * importing one another (DESIGN: cli/ is wiring only): nothing else imports tracker/. The status
 * page, /readyz, the assignment re-check and the refresh runner see a task or the tracker through
 * narrow interfaces declared in their own folders (status/tracker-view.ts, RecheckedTask,
 * RefreshedTask).
 */
const WIRES_THE_RUNTIME = ['cli'];

/**
 * The model is pure and shared by all: it imports only itself, the normalizers (pure), the error
 * type, and the config's shapes it is built from; no runtime folder.
 */
const MODEL_MAY_IMPORT = ['model', 'normalize', 'errors', 'config'];

/** The only packages the model imports: hashing is a pure function, nothing here does I/O. */
const MODEL_PACKAGES = ['node:crypto'];

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface ImportStatement {
  /** The importing file, relative to the repository: src/state/state-store.ts. */
  file: string;
  line: number;
  specifier: string;
  /** For a relative import: the src/ folder it lands in ('' for a file at src/'s top). */
  folder?: string;
  /** For a package import: its name (node:crypto, kafkajs, @kafkajs/confluent-schema-registry). */
  packageName?: string;
}

const STATIC_IMPORT = /^[ \t]*(?:import|export)[ \t]+(?:type[ \t]+)?[\w*\s{},$]*?\s*from\s*(['"])([^'"\n]+)\1/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** The import statements of one file's text, `file` being its path relative to the repository. */
function importsOf(file: string, text: string): ImportStatement[] {
  const found: ImportStatement[] = [];
  for (const pattern of [STATIC_IMPORT, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT]) {
    for (const match of text.matchAll(pattern)) {
      const specifier = match[2] ?? '';
      const line = text.slice(0, match.index).split('\n').length;
      found.push({ file, line, specifier, ...resolved(file, specifier) });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

function resolved(file: string, specifier: string): Pick<ImportStatement, 'folder' | 'packageName'> {
  if (!specifier.startsWith('.')) {
    const parts = specifier.split('/');
    return { packageName: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier) };
  }
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  const inSrc = target.split('/');
  return { folder: inSrc[0] === 'src' && inSrc.length > 2 ? (inSrc[1] ?? '') : '' };
}

function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? (parts[1] ?? '') : '';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(posix.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const allImports = sourceFiles('src').flatMap((file) => importsOf(file, readFileSync(posix.join(ROOT, file), 'utf8')));

function described(statement: ImportStatement, why: string): string {
  return `${statement.file}:${statement.line} imports '${statement.specifier}': ${why}`;
}

function flowBreak(statement: ImportStatement): string | undefined {
  const from = folderOf(statement.file);
  const to = statement.folder;
  if (to === undefined || to === from) return undefined;
  const fromAt = FLOW.indexOf(from as (typeof FLOW)[number]);
  const toAt = FLOW.indexOf(to as (typeof FLOW)[number]);
  if (fromAt < 0 || toAt < 0) return undefined;
  const where = toAt < fromAt ? 'before' : 'after';
  return described(statement, `${to}/ sits ${where} ${from}/ in the flow (${FLOW.join(' → ')}); no stage imports another: they share model/ and ${WIRES_THE_RUNTIME.join(', ')}/ wires them`);
}

function modelBreak(statement: ImportStatement): string | undefined {
  if (folderOf(statement.file) !== 'model') return undefined;
  if (statement.folder !== undefined && !MODEL_MAY_IMPORT.includes(statement.folder)) {
    return described(statement, `model/ imports only ${MODEL_MAY_IMPORT.join('/, ')}/`);
  }
  if (statement.packageName !== undefined && !MODEL_PACKAGES.includes(statement.packageName)) {
    return described(statement, `model/ imports no package but ${MODEL_PACKAGES.join(', ')}`);
  }
  return undefined;
}

describe('the layout: who imports whom (DESIGN "Layout")', () => {
  it('reads every form of import the sources use', () => {
    const text = [
      "import { a } from '../model/delta.js';",
      'import type {',
      '  B,',
      "} from '../state/state-store.js';",
      "import kafkajs, { type Kafka } from 'kafkajs';",
      "export { c } from './c.js';",
      "import '../logging/logger.js';",
      "const d = await import('pg');",
      " * a comment that says import and from '../tracker/task.js' is no import",
    ].join('\n');
    assert.deepEqual(
      importsOf('src/tracker/x.ts', text).map(({ line, folder, packageName }) => ({ line, target: folder ?? `pkg:${packageName}` })),
      [
        { line: 1, target: 'model' },
        { line: 2, target: 'state' },
        { line: 5, target: 'pkg:kafkajs' },
        { line: 6, target: 'tracker' },
        { line: 7, target: 'logging' },
        { line: 8, target: 'pkg:pg' },
      ],
    );
    assert.ok(allImports.length > 500, `only ${allImports.length} imports found in src/: the parser misses some`);
  });

  it('keeps the model pure: no runtime folder, no package that does I/O', () => {
    assert.deepEqual(
      allImports.flatMap((statement) => modelBreak(statement) ?? []),
      [],
    );
  });

  it(`keeps the stages of the flow apart: ${FLOW.join(', ')} import none of one another`, () => {
    assert.deepEqual(
      allImports.flatMap((statement) => flowBreak(statement) ?? []),
      [],
    );
  });

  it(`lets only ${WIRES_THE_RUNTIME.join(', ')}/ import the ${RUNTIME}'s runtime`, () => {
    const breaks = allImports
      .filter((statement) => statement.folder === RUNTIME && folderOf(statement.file) !== RUNTIME && !WIRES_THE_RUNTIME.includes(folderOf(statement.file)))
      .map((statement) => described(statement, `${RUNTIME}/ is the runtime, wired by ${WIRES_THE_RUNTIME.join(', ')}/; import model/ or a narrow view instead`));
    assert.deepEqual(breaks, []);
  });

  it('would name a stage importing another, either way, and the model importing a runtime folder', () => {
    const state = importsOf('src/state/state-store.ts', "import type { Task } from '../tracker/task.js';")[0];
    assert.ok(state);
    assert.equal(
      flowBreak(state),
      "src/state/state-store.ts:1 imports '../tracker/task.js': tracker/ sits before state/ in the flow (capture → tracker → state → delivery); no stage imports another: they share model/ and cli/ wires them",
    );
    const delivery = importsOf('src/delivery/loader.ts', "import { StateStore } from '../state/state-store.js';")[0];
    assert.ok(delivery && flowBreak(delivery)?.includes('state/ sits before delivery/'));
    const tracker = importsOf('src/tracker/task.ts', "import { Loader } from '../delivery/loader.js';")[0];
    assert.ok(tracker && flowBreak(tracker)?.includes('delivery/ sits after tracker/'));
    const decoding = importsOf('src/tracker/task.ts', "import type { SourceDecoder } from '../capture/source-decoder.js';")[0];
    assert.ok(decoding && flowBreak(decoding)?.includes('capture/ sits before tracker/'), 'the tracker reaches capture/ only through its parts, type-only imports included');
    const store = importsOf('src/tracker/task-io.ts', "import { StateStore } from '../state/state-store.js';")[0];
    assert.ok(store && flowBreak(store)?.includes('state/ sits after tracker/'));
    const wiring = importsOf('src/cli/tracker-parts.ts', "import { StateStore } from '../state/state-store.js';")[0];
    assert.ok(wiring);
    assert.equal(flowBreak(wiring), undefined);
    const [runtimeFolder, runtimePackage] = importsOf('src/model/delta.ts', "import { x } from '../capture/source-position.js';\nimport { Kafka } from 'kafkajs';");
    assert.ok(runtimeFolder && runtimePackage);
    assert.equal(modelBreak(runtimeFolder), "src/model/delta.ts:1 imports '../capture/source-position.js': model/ imports only model/, normalize/, errors/, config/");
    assert.equal(modelBreak(runtimePackage), "src/model/delta.ts:2 imports 'kafkajs': model/ imports no package but node:crypto");
  });
});
