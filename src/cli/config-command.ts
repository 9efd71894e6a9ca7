import { resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify as stringifyYaml } from 'yaml';
import { keyName } from '../config/config-references.js';
import { maskedConfig } from '../config/effective-config.js';
import { readConfig, type LoadedConfig } from '../config/load-config.js';
import { projectFiles } from '../project-files.js';

/**
 * `config check` and `config print`: the config as erp-delta runs with it (the file, the
 * ERP_DELTA__ variables, the references read, validated, every default filled in), secrets masked
 * (config/effective-config.ts), so that it can be pasted into an issue or a log. Nothing is
 * connected to. `check` fails, exit code 2, on anything that would stop a command at start-up, a
 * variable or file a reference names included; `print` shows a reference it cannot read as
 * written, with a warning, so that a config can be shown on a machine without its secrets.
 */
export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('the tracker config');
  config
    .command('check')
    .description('validate the config as erp-delta would run with it (ERP_DELTA__ variables applied, ${env:…} and ${file:…} read), then print it with secrets masked')
    .option('--json', 'print JSON instead of YAML')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action((flags: { json?: boolean; config?: string }) => {
      const path = configPath(flags.config);
      printConfig(readConfig(path), path, 'valid', flags.json === true);
    });
  config
    .command('print')
    .description('print the effective config (validated, defaults filled in) with secrets masked: header values, passwords, tokens, values read from ${env:…} or ${file:…}')
    .option('--json', 'print JSON instead of YAML')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action((flags: { json?: boolean; config?: string }) => {
      const path = configPath(flags.config);
      const loaded = readConfig(path, { keepUnresolvedReferences: true });
      for (const line of loaded.unresolved) process.stderr.write(`erp-delta: warning: ${line} Shown as written; \`config check\` fails on it.\n`);
      printConfig(loaded, path, 'effective', flags.json === true);
    });
}

function configPath(flag: string | undefined): string {
  return flag === undefined ? projectFiles.defaultConfig : resolve(flag);
}

function printConfig(loaded: LoadedConfig, path: string, what: 'valid' | 'effective', json: boolean): void {
  const masked = maskedConfig(loaded.config, loaded.references);
  if (json) {
    process.stdout.write(`${JSON.stringify(masked, null, 2)}\n`);
    return;
  }
  const heading =
    what === 'valid' ? `# ${path} is valid. The config erp-delta runs with: defaults filled in, secrets masked.` : `# The effective config of ${path}: validated, defaults filled in, secrets masked.`;
  const overrides = loaded.overrides.map(({ variable, path: key }) => `# ${variable} sets ${keyName(key)}.\n`).join('');
  process.stdout.write(`${heading}\n${overrides}${stringifyYaml(masked)}`);
}
