import { InvalidArgumentError } from 'commander';

/** Parses a `--...-port` option: 0 to 65535 (0 lets the OS pick a free port). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`"${value}" is not a port (0-65535).`);
  return port;
}
