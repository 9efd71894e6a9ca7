/**
 * The Dockerfile, checked against what erp-delta does: no Docker engine runs here, so the image is
 * never built in CI, and these are the parts a build would get wrong silently.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import { readConfig } from '../../../src/config/load-config.js';
import { projectFiles } from '../../../src/project-files.js';
import { assignments, DOCKERIGNORE, dockerfileInstructions, words, type Instruction } from '../../support/dockerfile.js';
import { activeLine } from '../../support/node-lines.js';
import { PACKAGE_STEPS } from '../../support/package-install.js';

const instructions = dockerfileInstructions();
const lastStage = Math.max(...instructions.map(({ stage }) => stage));
const runtime = instructions.filter(({ stage }) => stage === lastStage);

/** A RUN line's command, without its --mount options. */
function runCommand(instruction: Instruction): string[] {
  return words(instruction.args).filter((word) => !word.startsWith('--mount='));
}

/** The runtime stage's environment, as its ENV lines set it. */
function imageEnv(): Record<string, string> {
  return Object.assign({}, ...runtime.filter(({ keyword }) => keyword === 'ENV').map(({ args }) => assignments(args))) as Record<string, string>;
}

describe('Dockerfile', () => {
  it("packs and installs erp-delta with the tarball test's commands, tarball and prefix where they belong", () => {
    const runs = instructions.filter(({ keyword }) => keyword === 'RUN').map((instruction) => ({ instruction, command: runCommand(instruction) }));
    const templates = { pack: PACKAGE_STEPS.pack('DEST'), install: PACKAGE_STEPS.install('PREFIX', 'TARBALL') };
    const found: Record<string, { instruction: Instruction; values: Record<string, string> }> = {};
    for (const [step, template] of Object.entries(templates)) {
      for (const { instruction, command } of runs) {
        if (command.length !== template.length) continue;
        const values: Record<string, string> = {};
        const same = template.every((word, index) => {
          const actual = command[index] ?? '';
          if (/^[A-Z]+$/.test(word)) return (values[word] = actual) !== '';
          return word === actual;
        });
        if (same) found[step] = { instruction, values };
      }
      assert.ok(found[step], `a RUN line is \`${template.join(' ')}\` (test/support/package-install.ts); the RUN lines are:\n${runs.map(({ command }) => command.join(' ')).join('\n')}`);
    }
    const pack = found['pack'];
    const install = found['install'];
    assert.ok(pack && install);
    assert.ok(pack.instruction.stage < lastStage, 'packed in a build stage');
    assert.equal(install.instruction.stage, lastStage, 'installed in the image');
    const tarball = install.values['TARBALL'] ?? '';
    assert.equal(posix.dirname(tarball), pack.values['DEST'], 'the tarball installed is the one packed');
    assert.match(posix.basename(tarball), /^erp-delta-.*\.tgz$/);
    assert.match(
      install.instruction.args,
      new RegExp(`--mount=type=bind,from=[^,]+,source=${pack.values['DEST']},target=${pack.values['DEST']}`),
      "the pack stage's output mounted where the install reads it",
    );
    const prefix = install.values['PREFIX'] ?? '';
    assert.ok(imageEnv()['PATH']?.startsWith(`${prefix}/node_modules/.bin:`), 'the installed command is on the PATH');
    // The checkout is installed before it is packed (dist/ is built by npm ci's prepare).
    const stageRuns = runs.filter(({ instruction }) => instruction.stage === pack.instruction.stage).map(({ command }) => command.join(' '));
    assert.ok(stageRuns.indexOf('npm ci') !== -1 && stageRuns.indexOf('npm ci') < stageRuns.indexOf(PACKAGE_STEPS.pack(pack.values['DEST'] ?? '').join(' ')));
  });

  it('builds on a slim image of the active Node LTS line, the version the whole suite runs on', () => {
    const arg = instructions.find(({ keyword, stage }) => keyword === 'ARG' && stage === -1);
    assert.equal(assignments(arg?.args ?? '')['NODE_VERSION'], activeLine().version);
    for (const from of instructions.filter(({ keyword }) => keyword === 'FROM')) assert.match(from.args, /^node:\$\{NODE_VERSION\}-slim\b/);
  });

  it("runs as the base image's unprivileged user, with the settings the launcher would otherwise set at each start", () => {
    assert.equal(runtime.filter(({ keyword }) => keyword === 'USER').at(-1)?.args, 'node');
    const env = imageEnv();
    assert.equal(env['NODE_OPTIONS'], '--max-semi-space-size=32 --disable-warning=TimeoutNegativeWarning');
    assert.equal(env['MALLOC_ARENA_MAX'], '2');
    const launcher = readFileSync(`${projectFiles.root}/bin/erp-delta.js`, 'utf8');
    assert.ok(launcher.includes("'--max-semi-space-size=32'") && launcher.includes("'2'"), 'the same values as bin/erp-delta.js');
  });

  it("keeps the state stores (the config's dataDir, as the image sets it) in a volume the user can write", () => {
    const { config } = readConfig(projectFiles.defaultConfig, { env: imageEnv() });
    const volume = runtime.find(({ keyword }) => keyword === 'VOLUME')?.args;
    assert.equal(volume, config.dataDir);
    const owned = runtime
      .filter(({ keyword }) => keyword === 'RUN')
      .map(({ args }) => args)
      .join('\n');
    assert.match(owned, new RegExp(`chown node:node ${config.dataDir}\\b`));
  });

  it('checks /healthz on the admin port of the config, which listens beyond the container', () => {
    const { config } = readConfig(projectFiles.defaultConfig, { env: imageEnv() });
    const check = runtime.find(({ keyword }) => keyword === 'HEALTHCHECK')?.args ?? '';
    const url = /http:\/\/127\.0\.0\.1:(\d+)(\/\w+)/.exec(check);
    assert.equal(Number(url?.[1]), config.admin.port);
    assert.equal(url?.[2], '/healthz');
    assert.equal(config.admin.host, '0.0.0.0');
    assert.equal(runtime.find(({ keyword }) => keyword === 'EXPOSE')?.args, String(config.admin.port));
  });

  it('has a build context that holds everything the package carries', () => {
    const files = (JSON.parse(readFileSync(`${projectFiles.root}/package.json`, 'utf8')) as { files: string[] }).files;
    // dist/ is left out on purpose: the first stage builds it (npm ci's prepare), never takes the host's.
    const built = (JSON.parse(readFileSync(`${projectFiles.root}/tsconfig.build.json`, 'utf8')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;
    const ignored = readFileSync(DOCKERIGNORE, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
    for (const entry of files.filter((entry) => entry !== built)) {
      const excludedBy = ignored.find((pattern) => pattern === entry || entry.startsWith(`${pattern}/`));
      assert.equal(excludedBy, undefined, `.dockerignore leaves out ${entry}, which package.json's files ships`);
    }
  });
});
