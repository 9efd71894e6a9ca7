import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CeilingResult {
  /** nMsg.sec: records per second over the tool's whole run, group join included. */
  eventsPerSecond: number;
  /** fetch.nMsg.sec: records per second once the group is joined (rebalance time excluded). */
  fetchEventsPerSecond: number | undefined;
  messages: number;
  mbPerSecond: number | undefined;
  /** Every column the tool printed, by its header name. */
  columns: Record<string, string>;
}

/**
 * The raw consume rate of a topic: Kafka's own org.apache.kafka.tools.ConsumerPerformance (from
 * the stack's Kafka jars) reading `messages` records with a fresh group from the earliest offset.
 * It decodes nothing, so it is the ceiling any consumer of that topic on this machine can reach.
 */
export async function measureCeiling(options: { java: string; libDir: string; bootstrap: string; topic: string; messages: number; groupId: string }): Promise<CeilingResult> {
  const args = [
    '-Xmx512m',
    '-cp',
    join(options.libDir, 'kafka', '*'),
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server',
    options.bootstrap,
    '--topic',
    options.topic,
    '--num-records',
    String(options.messages),
    '--group',
    options.groupId,
    '--timeout',
    '60000',
  ];
  const { code, stdout, stderr } = await run(options.java, args);
  if (code !== 0) {
    throw new Error(`ConsumerPerformance exited with code ${code}:\n${tail(stderr || stdout)}`);
  }
  return parseConsumerPerformance(stdout);
}

/**
 * ConsumerPerformance prints a header line and a line of values, comma separated:
 * `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
 * rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec`.
 */
export function parseConsumerPerformance(stdout: string): CeilingResult {
  const lines = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const headerIndex = lines.findIndex((line) =>
    line
      .split(',')
      .map((cell) => cell.trim())
      .includes('nMsg.sec'),
  );
  const header = lines[headerIndex];
  const values = lines[headerIndex + 1];
  if (headerIndex < 0 || header === undefined || values === undefined) {
    throw new Error(`ConsumerPerformance printed no nMsg.sec column:\n${tail(stdout)}`);
  }
  const names = header.split(',').map((cell) => cell.trim());
  const cells = values.split(',').map((cell) => cell.trim());
  const columns = Object.fromEntries(names.map((name, index) => [name, cells[index] ?? '']));
  const number = (name: string): number | undefined => {
    const value = Number(columns[name]);
    return columns[name] === undefined || !Number.isFinite(value) ? undefined : value;
  };
  const eventsPerSecond = number('nMsg.sec');
  const messages = number('data.consumed.in.nMsg');
  if (eventsPerSecond === undefined || messages === undefined) {
    throw new Error(`ConsumerPerformance's nMsg.sec or data.consumed.in.nMsg is not a number:\n${header}\n${values}`);
  }
  return { eventsPerSecond, fetchEventsPerSecond: number('fetch.nMsg.sec'), messages, mbPerSecond: number('MB.sec'), columns };
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function tail(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .slice(-20)
    .map((line) => `  | ${line}`)
    .join('\n');
}
