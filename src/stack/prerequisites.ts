import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErpDeltaError } from '../errors/erp-delta-error.js';

const run = promisify(execFile);

/**
 * Finds a `java` of at least the given major version: JAVA_HOME first, then PATH, then the JDKs
 * installed side by side under /usr/lib/jvm (Debian's layout). Kafka 4 needs 17; Apicurio
 * Registry 3.3 is compiled for 21, so a machine whose default Java is 17 can still run it when a
 * newer JDK is installed next to it.
 */
export async function findJava(minimumMajor: number): Promise<string> {
  const cached = javaByMinimum.get(minimumMajor);
  if (cached) return cached;
  const candidates: string[] = [];
  const home = process.env['JAVA_HOME'];
  if (home) candidates.push(join(home, 'bin', 'java'));
  candidates.push('java');
  const jvmRoot = '/usr/lib/jvm';
  if (existsSync(jvmRoot)) {
    candidates.push(
      ...readdirSync(jvmRoot)
        .sort()
        .reverse()
        .map((name) => join(jvmRoot, name, 'bin', 'java'))
        .filter((path) => existsSync(path)),
    );
  }
  const seen: string[] = [];
  for (const candidate of candidates) {
    const major = await javaMajor(candidate);
    if (major === undefined) continue;
    seen.push(`${candidate} (${major})`);
    if (major >= minimumMajor) {
      javaByMinimum.set(minimumMajor, candidate);
      return candidate;
    }
  }
  throw new ErpDeltaError('PREREQUISITE_MISSING', seen.length === 0 ? 'Java was not found.' : `Java ${minimumMajor} or newer is needed; found only ${seen.join(', ')}.`, {
    hint: `Install a JDK ${minimumMajor} or newer (Debian: apt-get install openjdk-${minimumMajor}-jre-headless) or point JAVA_HOME at one.`,
  });
}

const javaByMinimum = new Map<number, string>();

async function javaMajor(java: string): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await run(java, ['-version']);
    return parseJavaMajor(`${stderr}${stdout}`);
  } catch {
    return undefined;
  }
}

export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  // Java 8 and older report "1.8.0_x".
  return first === 1 && match[2] ? Number(match[2]) : first;
}

export async function checkMaven(): Promise<void> {
  try {
    await run('mvn', ['-v']);
  } catch {
    throw new ErpDeltaError('PREREQUISITE_MISSING', 'Maven ("mvn") was not found; it is needed once, to download the stack\'s jars from Maven Central.', {
      hint: 'Install Apache Maven (Debian: apt-get install maven) and run the command again; later starts work offline.',
    });
  }
}

/**
 * PostgreSQL's server programs are not on PATH on Debian; they live in a versioned directory.
 * Picks the newest installed version unless one is configured.
 */
export function findPostgresBinDir(configured?: string): string {
  const candidates: string[] = [];
  if (configured) candidates.push(configured);
  else {
    const debianRoot = '/usr/lib/postgresql';
    if (existsSync(debianRoot)) {
      const versions = readdirSync(debianRoot)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a));
      candidates.push(...versions.map((version) => join(debianRoot, version, 'bin')));
    }
    for (const dir of (process.env['PATH'] ?? '').split(':')) if (dir) candidates.push(dir);
  }
  const found = candidates.find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((program) => existsSync(join(dir, program))));
  if (!found) {
    throw new ErpDeltaError(
      'PREREQUISITE_MISSING',
      configured ? `PostgreSQL server programs (initdb, pg_ctl, postgres) are not in "${configured}".` : 'PostgreSQL server programs (initdb, pg_ctl, postgres) were not found.',
      { hint: 'Install PostgreSQL 14 or newer (Debian: apt-get install postgresql) or pass --postgres-bin-dir.' },
    );
  }
  return found;
}

export async function checkPortFree(host: string, port: number, component: string, flag: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new ErpDeltaError('PORT_IN_USE', `Port ${port} on ${host}, wanted by ${component}, is already in use by another program.`, {
      hint: `Stop that program, or choose another port with ${flag} <port>.`,
    });
  }
}
