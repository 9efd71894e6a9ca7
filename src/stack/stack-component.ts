import type { StackLayout, ComponentName } from './stack-layout.js';
import type { StackOptions } from './stack-options.js';

export interface ComponentContext {
  options: StackOptions;
  layout: StackLayout;
  /** Human-readable progress of slow steps (jar downloads, first-time initialisation). */
  progress: (line: string) => void;
}

/** One process of the local stack, as `stack up`, `status` and `down` see it. */
export interface StackComponent {
  readonly name: ComponentName;
  /** Components that must be healthy before this one starts. */
  readonly dependsOn: readonly ComponentName[];
  /** Ports this component listens on, with the CLI flag that changes each. */
  readonly ports: ReadonlyArray<{ port: number; flag: string }>;
  /** Part of the process's command line: tells our process from a stranger with a reused pid. */
  readonly marker: string;
  /** What clients connect to: the value `stack status` prints. */
  endpoint(): string;
  /** Fails with PREREQUISITE_MISSING, naming what to install, before anything of the stack starts. */
  checkPrerequisites(): Promise<void>;
  /** Idempotent first-time work: jars, configuration files, storage formatting. */
  prepare(): Promise<void>;
  /** Spawns the process in the background. */
  start(): Promise<void>;
  /** True when the component answers as its clients need it to. Never throws. */
  probe(): Promise<boolean>;
  /** Idempotent work once healthy (a database and its sample data, registry defaults). */
  initialize?(): Promise<void>;
  /** How long a cold start may take before `up` gives up on it. */
  readonly startTimeoutMs: number;
}

export function componentEndpointKey(name: ComponentName): 'bootstrap' | 'url' {
  return name === 'kafka' ? 'bootstrap' : 'url';
}
