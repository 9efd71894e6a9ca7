import { join } from 'node:path';

export type ComponentName = 'kafka' | 'connect' | 'registry' | 'postgres';

/** Where each component of the local stack keeps its files inside the stack's data dir. */
export interface StackLayout {
  dataDir: string;
  /** The options the stack was brought up with, so that `status` and `down` need no flags. */
  stateFile: string;
  libDir: string;
  componentDir(name: ComponentName): string;
  pidFile(name: ComponentName): string;
  logFile(name: ComponentName): string;
}

export function stackLayout(dataDir: string, libDir: string): StackLayout {
  return {
    dataDir,
    stateFile: join(dataDir, 'stack.json'),
    libDir,
    componentDir: (name) => join(dataDir, name),
    pidFile: (name) => join(dataDir, name, `${name}.pid`),
    logFile: (name) => join(dataDir, name, `${name}.log`),
  };
}
