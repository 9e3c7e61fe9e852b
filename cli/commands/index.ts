import type { Command } from 'commander';
import { registerPlatformVariables } from '../platform-commands.js';
import { registerAuthCommands } from './auth.js';
import { registerListingCommands } from './listings.js';
import { registerOperationCommands } from './operations.js';
import type { GlobalOptions } from './session.js';

/** The commands for people using a control plane: each speaks the REST API through cli/client/. */
export function registerUserCommands(program: Command, globals: () => GlobalOptions): void {
  registerAuthCommands(program, globals);
  registerListingCommands(program, globals);
  registerOperationCommands(program, globals);
  const env = program.command('env').description("a service's environment variables; `env platform`: the variables Syntra reads");
  registerPlatformVariables(env);
}
