import type { Command } from 'commander';
import { EXEC_TIMEOUT_DEFAULT_SECONDS, EXEC_TIMEOUT_MAX_SECONDS } from '../../contracts/api/exec.js';
import { findService } from '../client/service-names.js';
import { ExitWith } from '../terminal/exit-codes.js';
import { UsageError } from '../usage-error.js';
import { connect, type GlobalOptions } from './session.js';

/** The request waits for the command: this much longer than its timeout before giving up on the answer. */
const EXEC_ANSWER_MARGIN_SECONDS = 15;

export function registerExecCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('exec')
    .argument('<service>', 'name, project/name or id')
    .argument('<command...>', 'the program and its arguments, after --')
    .description('run a command in a running replica of a service; exits with its exit code')
    .option('--workdir <path>', "an absolute path (default: the image's working directory)")
    .option('--timeout <seconds>', `at most ${EXEC_TIMEOUT_MAX_SECONDS} (default ${EXEC_TIMEOUT_DEFAULT_SECONDS})`, (value) => Number(value))
    .addHelpText('after', "\nThe command runs without a shell; for one: syntra exec web -- sh -c 'ls | wc -l'\n\nExamples:\n  syntra exec shop/web -- ls /app\n  syntra exec web --timeout 120 -- ./migrate")
    .action(async (name: string, command: string[], options: { workdir?: string; timeout?: number }) => {
      if (options.timeout !== undefined && !(Number.isInteger(options.timeout) && options.timeout > 0 && options.timeout <= EXEC_TIMEOUT_MAX_SECONDS)) {
        throw new UsageError(`--timeout is a whole number of seconds from 1 to ${EXEC_TIMEOUT_MAX_SECONDS}`);
      }
      const api = await connect(globals());
      const { service } = await findService(api, name);
      const result = await api.call('execInService', {
        params: { serviceId: service.id },
        body: { command, ...(options.workdir ? { working_dir: options.workdir } : {}), ...(options.timeout ? { timeout_seconds: options.timeout } : {}) },
        timeoutMs: ((options.timeout ?? EXEC_TIMEOUT_DEFAULT_SECONDS) + EXEC_ANSWER_MARGIN_SECONDS) * 1000,
      });
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      if (result.truncated) process.stderr.write('syntra: the output was longer than the API shows; only its end is above\n');
      if (result.exit_code !== 0) throw new ExitWith(result.exit_code);
    });
}
