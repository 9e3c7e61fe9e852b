import type { Command } from 'commander';
import { registerPlatformVariables } from '../platform-commands.js';
import { registerAuthCommands } from './auth.js';
import { registerCompletionCommand } from './completion.js';
import { registerEnvCommands } from './env-vars.js';
import { registerExecCommand } from './exec.js';
import { registerIssuesCommand } from './issues.js';
import { registerListingCommands } from './listings.js';
import { registerLogsCommand } from './logs.js';
import { registerOpenCommand } from './open.js';
import { registerOperationCommands } from './operations.js';
import type { GlobalOptions } from './session.js';
import { registerWorkflowCommands } from './workflows.js';

/** The commands for people using a control plane: each speaks the REST API through cli/client/. */
export function registerUserCommands(program: Command, globals: () => GlobalOptions): void {
  registerAuthCommands(program, globals);
  registerListingCommands(program, globals);
  registerOperationCommands(program, globals);
  registerLogsCommand(program, globals);
  registerExecCommand(program, globals);
  const env = program.command('env').description("a service's environment variables; `env platform`: the variables Syntra reads");
  registerEnvCommands(env, globals);
  registerPlatformVariables(env);
  registerIssuesCommand(program, globals);
  registerOpenCommand(program, globals);
  registerWorkflowCommands(program, globals);
  registerCompletionCommand(program);
}
