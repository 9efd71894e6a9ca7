import { resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify as stringifyYaml } from 'yaml';
import { maskedConfig } from '../config/effective-config.js';
import { loadConfig } from '../config/load-config.js';
import { projectFiles } from '../project-files.js';

/**
 * `config print`: the config as erp-delta runs with it, validated and with every default filled
 * in, secrets masked (config/effective-config.ts), so that it can be pasted into an issue or a log.
 * Nothing is connected to; references such as `${env:NAME}` are shown, not resolved.
 */
export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('the tracker config');
  config.command('print')
    .description('print the effective config (validated, defaults filled in) with secrets masked: header values, passwords, tokens')
    .option('--json', 'print JSON instead of YAML')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action((flags: { json?: boolean; config?: string }) => {
      const path = flags.config === undefined ? projectFiles.defaultConfig : resolve(flags.config);
      const masked = maskedConfig(loadConfig(path));
      process.stdout.write(flags.json
        ? `${JSON.stringify(masked, null, 2)}\n`
        : `# The effective config of ${path}: validated, defaults filled in, secrets masked.\n${stringifyYaml(masked)}`);
    });
}
