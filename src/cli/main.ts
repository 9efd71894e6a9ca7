import { Command, CommanderError } from 'commander';
import { isErpDeltaError } from '../errors/erp-delta-error.js';
import { writeErrorLines } from './error-lines.js';
import { registerStackCommands } from './stack-command.js';
import { registerConnectorsCommands } from './connectors-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerRunCommand } from './run-command.js';
import { registerAssignmentCommands } from './assignment-commands.js';
import { registerRefreshCommand } from './refresh-command.js';
import { registerStateCommand } from './state-command.js';
import { registerDlqCommand } from './dlq-command.js';
import { registerDeliveryCommands } from './delivery-commands.js';
import { registerCaptureCommands } from './capture-command.js';
import { registerEntitiesCommands } from './entities-command.js';
import { registerConfigCommand } from './config-command.js';

/** Exit codes: 1 for a failure at run time, 2 for bad input (options, config), as documented in the README. */
const EXIT_FAILURE = 1;
const EXIT_BAD_INPUT = 2;

const program = new Command('erp-delta').description('Forwards only real changes of ERP records from Debezium CDC topics to a field-sales platform.').showHelpAfterError().exitOverride();

registerStackCommands(program);
registerConnectorsCommands(program);
registerCaptureCommands(program);
registerEntitiesCommands(program);
registerRunCommand(program);
registerAssignmentCommands(program);
registerRefreshCommand(program);
registerStateCommand(program);
registerDlqCommand(program);
registerDeliveryCommands(program);
registerDemoCommand(program);
registerConfigCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  }
  if (isErpDeltaError(error)) {
    writeErrorLines(error);
    return error.code === 'INVALID_OPTION' || error.code === 'INVALID_CONFIG' ? EXIT_BAD_INPUT : EXIT_FAILURE;
  }
  // An unexpected failure is a bug: keep the stack trace for the report.
  process.stderr.write(`erp-delta: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
  return EXIT_FAILURE;
}
