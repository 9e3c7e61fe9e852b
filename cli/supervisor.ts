import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

const syntraBin = fileURLToPath(new URL('../bin/syntra.js', import.meta.url));
const restartDelayMs = { first: 1_000, max: 15_000 };
/** How long a child gets to stop after SIGTERM before SIGKILL. */
export const stopTimeoutMs = 20_000;

export interface SupervisedProcess {
  stop(): Promise<void>;
}

/**
 * Runs `syntra <command> --supervised` as a child and restarts it with backoff if it dies on its
 * own, so one crash in development does not take the whole stack down.
 */
export function supervise(command: string, env: NodeJS.ProcessEnv, log: Logger): SupervisedProcess {
  let child: ChildProcess;
  let stopping = false;
  let delay = restartDelayMs.first;
  let restartTimer: NodeJS.Timeout | undefined;

  const start = () => {
    const startedAt = Date.now();
    child = spawn(process.execPath, [syntraBin, command, '--supervised'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code, signal) => {
      if (stopping) return;
      // A child that ran for a while earned a fast restart; one that keeps failing backs off.
      delay = Date.now() - startedAt > restartDelayMs.max ? restartDelayMs.first : Math.min(delay * 2, restartDelayMs.max);
      log.error({ command, code, signal, restartInMs: delay }, `syntra ${command} exited; restarting`);
      restartTimer = setTimeout(start, delay);
    });
  };
  start();

  return {
    stop: async () => {
      stopping = true;
      clearTimeout(restartTimer);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(killTimer);
    },
  };
}
