import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AgentError } from '../errors.js';

export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Aborting kills the whole process group at once: a build must stop now, not after its step. */
  signal: AbortSignal;
  onLine?: (line: string) => void;
  stdin?: string;
}

/**
 * Runs a program in its own process group, every output line (stdout and stderr) to `onLine`.
 * Resolves with its exit code; rejects with the signal's reason once aborted. The group is
 * SIGKILLed: `docker build` cancels the BuildKit solve in dockerd when its connection drops.
 */
export function runProcess(command: string, args: string[], options: ProcessOptions): Promise<number> {
  if (options.signal.aborted) return Promise.reject(options.signal.reason);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const onAbort = () => {
      kill();
      reject(options.signal.reason);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => options.onLine?.(line));
    if (child.stdin) {
      // A program that exits without reading its input must not take the agent down with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin);
    }
    child.on('error', (error) => {
      options.signal.removeEventListener('abort', onAbort);
      reject(new AgentError('BUILD_TOOL_MISSING', `${command} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      options.signal.removeEventListener('abort', onAbort);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}
