import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { projectFiles } from '../project-files.js';
import { checkMaven } from './prerequisites.js';

/** One Maven profile of stack/pom.xml: one classpath (see the pom for why they are separate). */
export type JarSet = 'kafka' | 'debezium' | 'registry';

const MARKER = '.resolved-from-pom';

/**
 * Connect's plugin.path wants a directory of plugin directories: the Debezium jars get one of
 * their own, so that their dependencies load together and stay isolated from the worker's.
 */
const TARGET_DIR: Record<JarSet, string> = {
  kafka: 'kafka',
  debezium: join('connect-plugins', 'debezium-connector-postgres'),
  registry: 'registry',
};

/**
 * The stack's jars, copied by Maven from ~/.m2 into `<dataDir>/lib/<set>`. A marker holding the
 * pom's hash makes later starts skip Maven entirely (they work offline) until the pom changes.
 */
export async function ensureJars(libDir: string, set: JarSet, progress: (line: string) => void): Promise<string> {
  const target = join(libDir, TARGET_DIR[set]);
  if (jarsCached(libDir, set)) return target;
  const pomHash = pomDigest();

  await checkMaven();
  progress(`resolving the ${set} jars with Maven (first start only; later starts work offline)`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  await runMaven(['-q', '-B', '-f', projectFiles.stackPom, '-P', set, 'dependency:copy-dependencies', `-DoutputDirectory=${target}`, '-DincludeScope=runtime'], set);
  if (set === 'registry') await unpackArchives(target);
  writeFileSync(join(target, MARKER), `${pomHash}\n`);
  return target;
}

/** True when the set's jars were resolved from the current pom: no Maven needed. */
export function jarsCached(libDir: string, set: JarSet): boolean {
  const marker = join(libDir, TARGET_DIR[set], MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === pomDigest();
}

/** Checks, before anything starts, what resolving these sets would need. */
export async function checkJarPrerequisites(libDir: string, sets: readonly JarSet[]): Promise<void> {
  if (sets.some((set) => !jarsCached(libDir, set))) await checkMaven();
}

function pomDigest(): string {
  return createHash('sha256').update(readFileSync(projectFiles.stackPom)).digest('hex');
}

async function unpackArchives(dir: string): Promise<void> {
  for (const archive of readdirSync(dir).filter((name) => name.endsWith('.tar.gz'))) {
    await runProgram('tar', ['-xzf', archive], dir, `unpacking ${archive}`);
    rmSync(join(dir, archive));
  }
}

function runMaven(args: string[], set: JarSet): Promise<void> {
  return runProgram('mvn', args, process.cwd(), `Maven could not resolve the ${set} jars`);
}

function runProgram(command: string, args: string[], cwd: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) => reject(new ErpDeltaError('DEPENDENCY_RESOLUTION_FAILED', `${what}: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new ErpDeltaError('DEPENDENCY_RESOLUTION_FAILED', `${what} (exit code ${code}).\n${output.trim().split('\n').slice(-15).join('\n')}`, {
            retriable: true,
            hint: 'Check that Maven Central is reachable (or that ~/.m2 already holds the artifacts) and run the command again.',
          }),
        );
    });
  });
}
