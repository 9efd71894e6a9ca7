import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErpDeltaError } from '../../errors/erp-delta-error.js';
import { startBackgroundProcess } from '../background-process.js';
import { checkJarPrerequisites, ensureJars } from '../jar-cache.js';
import { javaProcessSpec } from '../java-launch.js';
import { findJava } from '../prerequisites.js';
import type { ComponentContext, StackComponent } from '../stack-component.js';

/** Where clients of the Confluent schema registry API talk to Apicurio. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

/**
 * Apicurio Registry 3 as the Confluent-compatible schema registry, a Quarkus application. Its
 * storage is an H2 file database in the data dir: schema ids written into Kafka records must still
 * resolve after a restart.
 */
export function registryComponent(context: ComponentContext): StackComponent {
  const { options, layout } = context;
  const dir = layout.componentDir('registry');
  const marker = `registry@${options.dataDir}`;
  const base = `http://${options.host}:${options.ports.registry}`;
  let runJar = '';
  let java = '';

  return {
    name: 'registry',
    dependsOn: [],
    ports: [
      { port: options.ports.registry, flag: '--registry-port' },
      { port: options.ports.registryManagement, flag: '--registry-management-port' },
    ],
    marker,
    startTimeoutMs: 90_000,
    endpoint: () => `${base}${CCOMPAT_PATH}`,

    async checkPrerequisites() {
      await findJava(21);
      await checkJarPrerequisites(layout.libDir, ['registry']);
    },

    async prepare() {
      // Apicurio Registry 3.3 is compiled for Java 21.
      java = await findJava(21);
      runJar = findQuarkusRunJar(await ensureJars(layout.libDir, 'registry', context.progress));
      mkdirSync(join(dir, 'h2'), { recursive: true });
      mkdirSync(join(dir, 'tmp'), { recursive: true });
    },

    async start() {
      startBackgroundProcess(
        javaProcessSpec({
          java,
          componentDir: dir,
          logFile: layout.logFile('registry'),
          pidFile: layout.pidFile('registry'),
          marker,
          heapMb: 512,
          main: ['-jar', runJar],
          systemProperties: {
            'quarkus.http.host': options.host,
            'quarkus.http.port': String(options.ports.registry),
            // Health and metrics have their own listener, fixed at build time; by default 0.0.0.0:9000.
            'quarkus.management.host': options.host,
            'quarkus.management.port': String(options.ports.registryManagement),
            // Enforced on every subject, also those a client creates without setting one.
            'apicurio.rules.global.compatibility': 'BACKWARD',
            'apicurio.storage.snapshot.location': join(dir, 'tmp'),
            'apicurio.import.work-dir': join(dir, 'tmp'),
            'quarkus.http.access-log.enabled': 'false',
            'java.io.tmpdir': join(dir, 'tmp'),
            'vertx.cacheDirBase': join(dir, 'tmp', 'vertx-cache'),
            'apicurio.storage.kind': 'sql',
            'apicurio.storage.sql.kind': 'h2',
            'apicurio.datasource.url': `jdbc:h2:file:${join(dir, 'h2', 'registry')}`,
            'apicurio.datasource.username': 'sa',
            'apicurio.datasource.password': 'sa',
          },
        }),
      );
    },

    async probe() {
      try {
        const [ready, api] = await Promise.all([
          fetch(`http://${options.host}:${options.ports.registryManagement}/health/ready`, { signal: AbortSignal.timeout(2000) }),
          fetch(`${base}${CCOMPAT_PATH}/subjects`, { signal: AbortSignal.timeout(2000) }),
        ]);
        return ready.ok && api.ok;
      } catch {
        return false;
      }
    },
  };
}

function findQuarkusRunJar(registryDir: string): string {
  const direct = join(registryDir, 'quarkus-run.jar');
  if (existsSync(direct)) return direct;
  for (const entry of readdirSync(registryDir, { withFileTypes: true })) {
    const nested = join(registryDir, entry.name, 'quarkus-run.jar');
    if (entry.isDirectory() && existsSync(nested)) return nested;
  }
  throw new ErpDeltaError('COMPONENT_START_FAILED', `No quarkus-run.jar in ${registryDir}: the registry archive has an unexpected layout.`);
}
