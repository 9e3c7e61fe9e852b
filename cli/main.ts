import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/env.js';
import { PortInUseError } from '../engines/ports.js';
import { ApiFailure, ControlPlaneUnreachable } from './client/api-client.js';
import { BackupError } from './backup/archive.js';
import { registerUserCommands } from './commands/index.js';
import { registerPlatformCommands } from './platform-commands.js';
import { PrerequisiteError } from './prerequisites.js';
import { ExitWith, exitCodes } from './terminal/exit-codes.js';
import { UsageError } from './usage-error.js';

const program = new Command('syntra')
  .description('Syntra: run the platform (dev, api, worker, agent), or use one from a terminal or CI')
  .option('--profile <name>', 'the sign-in to use (default: SYNTRA_PROFILE, else the current one)')
  .showHelpAfterError()
  .exitOverride();
registerPlatformCommands(program);
registerUserCommands(program, () => program.opts<{ profile?: string }>());

/** One line for a problem a person can fix; a stack only for what nobody foresaw. */
function report(error: unknown): number {
  if (error instanceof ExitWith) return error.code;
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : exitCodes.usage;
  if (error instanceof ApiFailure) {
    const reference = [error.code, error.requestId ? `request ${error.requestId}` : null].filter(Boolean).join(', ');
    process.stderr.write(`syntra: ${error.message} (${reference})\n`);
    if (error.code === 'VALIDATION_ERROR' && error.details !== undefined) process.stderr.write(`  ${JSON.stringify(error.details)}\n`);
    return exitCodes.error;
  }
  if (
    error instanceof ControlPlaneUnreachable ||
    error instanceof ConfigError ||
    error instanceof PortInUseError ||
    error instanceof UsageError ||
    error instanceof PrerequisiteError ||
    error instanceof BackupError
  ) {
    process.stderr.write(`syntra: ${error.message}\n`);
    return exitCodes.error;
  }
  process.stderr.write(`syntra: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return exitCodes.error;
}

program.parseAsync(process.argv).then(
  () => {
    // Platform commands keep running on their servers; a user command ends when its action does.
    if (process.exitCode) process.exit(process.exitCode);
  },
  (error: unknown) => process.exit(report(error)),
);
