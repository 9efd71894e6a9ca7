import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { runningPid, stopBackgroundProcess } from './background-process.js';
import { connectComponent } from './components/connect.js';
import { kafkaComponent } from './components/kafka.js';
import { postgresComponent } from './components/postgres.js';
import { registryComponent } from './components/registry.js';
import { checkPortFree } from './prerequisites.js';
import { componentEndpointKey, type ComponentContext, type StackComponent } from './stack-component.js';
import { stackLayout, type ComponentName, type StackLayout } from './stack-layout.js';
import { stackKafkaSecurity, type StackKafkaSecurity } from './stack-security.js';
import { resolveStackOptions, type StackOptionOverrides, type StackOptions } from './stack-options.js';

export interface ComponentStatus {
  healthy: boolean;
  pid: number | null;
  log: string;
  bootstrap?: string;
  url?: string;
  /** A secured stack's Kafka: its listeners and what a config needs to use them. */
  security?: StackKafkaSecurity;
}

/** The components the stack runs (`stack up --only` may leave some out). */
export type StackStatus = Partial<Record<ComponentName, ComponentStatus>>;

/** Start order; `down` stops in reverse so that nothing loses a server it still talks to. */
const START_ORDER: readonly ComponentName[] = ['postgres', 'kafka', 'registry', 'connect'];

/** The order of `stack status`, as the README documents it. */
const STATUS_ORDER: readonly ComponentName[] = ['kafka', 'connect', 'registry', 'postgres'];

/** PostgreSQL's "fast" shutdown; SIGTERM would wait for every client session to end. */
const STOP_SIGNALS: Partial<Record<ComponentName, NodeJS.Signals>> = { postgres: 'SIGINT' };

/**
 * The embedded local stack: Kafka, Kafka Connect with Debezium, a schema registry and an ERP
 * PostgreSQL, as background processes under one data dir. Every operation is idempotent.
 */
export class LocalStack {
  readonly options: StackOptions;
  readonly layout: StackLayout;
  private readonly components: Map<ComponentName, StackComponent>;
  private readonly progress: (line: string) => void;

  /** Options come from flags, else from the stack.json of an earlier `up`, else the defaults. */
  static open(overrides: StackOptionOverrides, progress: (line: string) => void = () => undefined): LocalStack {
    const probe = resolveStackOptions({ dataDir: overrides.dataDir });
    const stateFile = stackLayout(probe.dataDir, probe.libDir).stateFile;
    const saved: unknown = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : undefined;
    return new LocalStack(resolveStackOptions(overrides, saved), progress);
  }

  constructor(options: StackOptions, progress: (line: string) => void) {
    this.options = options;
    this.layout = stackLayout(options.dataDir, options.libDir);
    const context: ComponentContext = { options, layout: this.layout, progress };
    this.components = new Map([
      ['postgres', postgresComponent(context)],
      ['kafka', kafkaComponent(context)],
      ['registry', registryComponent(context)],
      ['connect', connectComponent(context)],
    ]);
    this.progress = progress;
  }

  /** The stack's components in start order: all, or those of `--only`. */
  private get startOrder(): ComponentName[] {
    return START_ORDER.filter((name) => this.options.components.includes(name));
  }

  async up(): Promise<StackStatus> {
    for (const name of this.startOrder) mkdirSync(this.layout.componentDir(name), { recursive: true });
    writeFileSync(this.layout.stateFile, `${JSON.stringify(this.options, null, 2)}\n`);

    const toStart: StackComponent[] = [];
    for (const name of this.startOrder) {
      const component = this.component(name);
      if (runningPid(this.layout.pidFile(name), component.marker) !== undefined) continue;
      for (const { port, flag } of component.ports) await checkPortFree(this.options.host, port, name, flag);
      toStart.push(component);
    }
    for (const component of toStart) await component.checkPrerequisites();
    // Jar downloads share ~/.m2, so preparation runs one component at a time; starts overlap.
    for (const component of toStart) await component.prepare();

    const ready = new Map<ComponentName, Promise<void>>();
    for (const name of this.startOrder) {
      const component = this.component(name);
      const dependencies = component.dependsOn.map((dependency) => ready.get(dependency));
      ready.set(
        name,
        Promise.all(dependencies).then(() => this.bringUp(component, toStart.includes(component))),
      );
    }
    const outcomes = await Promise.allSettled(ready.values());
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    return this.status();
  }

  private async bringUp(component: StackComponent, mustStart: boolean): Promise<void> {
    const started = Date.now();
    if (mustStart) {
      this.progress(`${component.name}: starting`);
      await component.start();
    }
    await this.waitHealthy(component);
    await component.initialize?.();
    this.progress(
      mustStart ? `${component.name}: healthy at ${component.endpoint()} (${((Date.now() - started) / 1000).toFixed(1)} s)` : `${component.name}: already running at ${component.endpoint()}`,
    );
  }

  private async waitHealthy(component: StackComponent): Promise<void> {
    const deadline = Date.now() + component.startTimeoutMs;
    const pidFile = this.layout.pidFile(component.name);
    while (Date.now() < deadline) {
      if (await component.probe()) return;
      if (runningPid(pidFile, component.marker) === undefined) {
        throw new ErpDeltaError('COMPONENT_START_FAILED', `${component.name} exited while starting.\n${this.logTail(component.name)}`, {
          hint: `The whole log is ${this.layout.logFile(component.name)}.`,
        });
      }
      await sleep(500);
    }
    throw new ErpDeltaError('COMPONENT_UNHEALTHY', `${component.name} did not become healthy within ${component.startTimeoutMs / 1000} s.\n${this.logTail(component.name)}`, {
      retriable: true,
      hint: `See ${this.layout.logFile(component.name)}; \`stack up\` again waits for it without starting a second one.`,
    });
  }

  /** The last lines of a component's log, indented, for messages that explain a failure. */
  logTail(name: ComponentName, lines = 20): string {
    const file = this.layout.logFile(name);
    if (!existsSync(file)) return '(no log written)';
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((line) => `  | ${line}`)
      .join('\n');
  }

  async status(): Promise<StackStatus> {
    const entries = await Promise.all(
      STATUS_ORDER.filter((name) => this.options.components.includes(name)).map(async (name) => {
        const component = this.component(name);
        const pid = runningPid(this.layout.pidFile(name), component.marker) ?? null;
        const healthy = pid !== null && (await component.probe());
        const status: ComponentStatus = { [componentEndpointKey(name)]: component.endpoint(), healthy, pid, log: this.layout.logFile(name) };
        if (name === 'kafka' && this.options.secure) status.security = stackKafkaSecurity(this.options, this.layout);
        return [name, status] as const;
      }),
    );
    return Object.fromEntries(entries) as StackStatus;
  }

  /** Stops every component that runs, whichever `--only` started; returns their names. */
  async down(): Promise<ComponentName[]> {
    const stopped: ComponentName[] = [];
    for (const name of [...START_ORDER].reverse()) {
      const component = this.component(name);
      const signal = STOP_SIGNALS[name];
      const wasRunning = await stopBackgroundProcess(this.layout.pidFile(name), component.marker, signal ? { signal } : {});
      if (wasRunning) {
        stopped.push(name);
        this.progress(`${name}: stopped`);
      }
    }
    return stopped;
  }

  component(name: ComponentName): StackComponent {
    const component = this.components.get(name);
    if (!component) throw new Error(`unknown stack component ${name}`);
    return component;
  }
}
