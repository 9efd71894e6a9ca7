import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ErpDeltaError } from '../../errors/erp-delta-error.js';
import { projectFiles } from '../../project-files.js';
import { startBackgroundProcess } from '../background-process.js';
import { findPostgresBinDir } from '../prerequisites.js';
import type { ComponentContext, StackComponent } from '../stack-component.js';

const run = promisify(execFile);

/**
 * What one replication slot may keep of WAL (issue 19): a slot whose connector is down, or far
 * behind, would otherwise keep WAL until the disk is full. Past it, PostgreSQL invalidates the
 * slot at its next checkpoint (wal_status 'lost'), and the connector's next start is a capture
 * reset (README, "Capture health"). A server setting (SIGHUP): ALTER SYSTEM cannot override `-c`.
 */
export const MAX_SLOT_WAL_KEEP_SIZE = '1GB';

/**
 * The ERP database: a PostgreSQL cluster of the stack's own (never the machine's), with logical
 * decoding for Debezium, holding the sample schema and its seed.
 */
export function postgresComponent(context: ComponentContext): StackComponent {
  const { options, layout } = context;
  const dir = layout.componentDir('postgres');
  const pgdata = join(dir, 'pgdata');
  const { host } = options;
  const { postgres: port } = options.ports;
  const { user, database } = options.postgres;

  return {
    name: 'postgres',
    dependsOn: [],
    ports: [{ port, flag: '--postgres-port' }],
    marker: pgdata,
    startTimeoutMs: 60_000,
    endpoint: () => `postgres://${user}@${host}:${port}/${database}`,

    async checkPrerequisites() {
      findPostgresBinDir(options.postgresBinDir);
      await serverOsUser();
    },

    async prepare() {
      const binDir = findPostgresBinDir(options.postgresBinDir);
      const osUser = await serverOsUser();
      mkdirSync(dir, { recursive: true });
      if (osUser) chownTree(dir, osUser);
      if (existsSync(join(pgdata, 'PG_VERSION'))) return;
      context.progress('postgres: creating the cluster (first start)');
      try {
        await run(join(binDir, 'initdb'), ['-D', pgdata, '-U', user, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'], {
          ...(osUser ?? {}),
          cwd: dir,
        });
      } catch (error) {
        throw new ErpDeltaError('COMPONENT_START_FAILED', `initdb failed for ${pgdata}: ${(error as Error).message}`, { cause: error });
      }
    },

    async start() {
      const binDir = findPostgresBinDir(options.postgresBinDir);
      const osUser = await serverOsUser();
      startBackgroundProcess({
        command: join(binDir, 'postgres'),
        args: [
          '-D',
          pgdata,
          '-c',
          `port=${port}`,
          '-c',
          `listen_addresses=${host}`,
          // TCP only: a socket path inside a deep data dir can exceed the 107-byte limit.
          '-c',
          'unix_socket_directories=',
          '-c',
          'wal_level=logical',
          '-c',
          'max_wal_senders=10',
          '-c',
          'max_replication_slots=10',
          '-c',
          `max_slot_wal_keep_size=${MAX_SLOT_WAL_KEEP_SIZE}`,
        ],
        cwd: dir,
        logFile: layout.logFile('postgres'),
        pidFile: layout.pidFile('postgres'),
        marker: pgdata,
        ...(osUser ? { user: osUser } : {}),
      });
    },

    async probe() {
      return withClient('postgres', async (client) => {
        await client.query('SELECT 1');
      }).then(
        () => true,
        () => false,
      );
    },

    async initialize() {
      const exists = await withClient('postgres', async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1);
      if (exists) return;
      context.progress(`postgres: creating database ${database} with the sample ERP schema and seed`);
      await withClient('postgres', (client) => client.query(`CREATE DATABASE "${database}"`));
      try {
        await withClient(database, async (client) => {
          await client.query('BEGIN');
          await client.query(readFileSync(projectFiles.erpSchemaSql, 'utf8'));
          await client.query(readFileSync(projectFiles.erpSeedSql, 'utf8'));
          await client.query('COMMIT');
        });
      } catch (error) {
        // Leave no half-seeded database behind: the next `up` starts the seed over.
        await withClient('postgres', (client) => client.query(`DROP DATABASE IF EXISTS "${database}"`));
        throw new ErpDeltaError('COMPONENT_START_FAILED', `Seeding the ${database} database failed: ${(error as Error).message}`, { cause: error });
      }
    },
  };

  async function withClient<T>(db: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ host, port, user, database: db, connectionTimeoutMillis: 2000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * PostgreSQL refuses to run as root. Started by root (CI, containers), the cluster belongs to the
 * `postgres` OS user that PostgreSQL's packages create, else to `nobody`.
 */
async function serverOsUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    } catch {
      // Try the next one.
    }
  }
  throw new ErpDeltaError('PREREQUISITE_MISSING', 'Running as root, the stack needs an unprivileged OS user ("postgres" or "nobody") to run PostgreSQL, and there is none.', {
    hint: 'Run erp-delta as an ordinary user, or create one (useradd --system postgres).',
  });
}

function chownTree(path: string, owner: { uid: number; gid: number }): void {
  const stat = statSync(path);
  if (stat.uid !== owner.uid) chownSync(path, owner.uid, owner.gid);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), owner);
}
