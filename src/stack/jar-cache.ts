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
  const pomHash = createHash('sha256').update(readFileSync(projectFiles.stackPom)).digest('hex');
  const marker = join(target, MARKER);
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === pomHash) return target;

  await checkMaven();
  progress(`resolving the ${set} jars with Maven (first start only; later starts work offline)`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  await runMaven(['-q', '-B', '-f', projectFiles.stackPom, '-P', set, 'dependency:copy-dependencies',
    `-DoutputDirectory=${target}`, '-DincludeScope=runtime'], set);
  if (set === 'registry') await unpackArchives(target);
  writeFileSync(marker, `${pomHash}\n`);
  return target;
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
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('error', (error) => reject(new ErpDeltaError('DEPENDENCY_RESOLUTION_FAILED', `${what}: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new ErpDeltaError('DEPENDENCY_RESOLUTION_FAILED', `${what} (exit code ${code}).\n${output.trim().split('\n').slice(-15).join('\n')}`, {
        retriable: true,
        hint: 'Check that Maven Central is reachable (or that ~/.m2 already holds the artifacts) and run the command again.',
      }));
    });
  });
}
