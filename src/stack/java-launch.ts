import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackgroundProcessSpec } from './background-process.js';

const LOG4J2_CONFIG = `# Written by erp-delta stack: the JVM's log goes to the component's log file (stdout is redirected there).
Configuration:
  status: warn
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: org.apache.kafka.clients
        level: WARN
      - name: org.reflections
        level: ERROR
`;

export interface JavaLaunch {
  /** The `java` to run (prerequisites.findJava). */
  java: string;
  componentDir: string;
  logFile: string;
  pidFile: string;
  marker: string;
  heapMb: number;
  /** JVM options of this component, after the heap's. */
  jvmOptions?: readonly string[];
  classpath?: string;
  /** The main class, or `-jar file`. */
  main: string[];
  args?: string[];
  systemProperties?: Record<string, string>;
}

/** The same JVM settings for every Java part of the stack: bounded heap, log4j2 to the log file. */
export function javaProcessSpec(launch: JavaLaunch): BackgroundProcessSpec {
  const log4jFile = join(launch.componentDir, 'log4j2.yaml');
  writeFileSync(log4jFile, LOG4J2_CONFIG);
  const properties = { 'log4j2.configurationFile': log4jFile, ...launch.systemProperties };
  return {
    command: launch.java,
    args: [
      `-Xmx${launch.heapMb}m`,
      ...(launch.jvmOptions ?? []),
      '-Djava.awt.headless=true',
      `-Derpdelta.component=${launch.marker}`,
      ...Object.entries(properties).map(([key, value]) => `-D${key}=${value}`),
      ...(launch.classpath ? ['-cp', launch.classpath] : []),
      ...launch.main,
      ...(launch.args ?? []),
    ],
    cwd: launch.componentDir,
    logFile: launch.logFile,
    pidFile: launch.pidFile,
    marker: launch.marker,
  };
}
