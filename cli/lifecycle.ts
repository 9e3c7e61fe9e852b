import type { Logger } from 'pino';

const parentCheckIntervalMs = 1_000;

/** Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/**
 * A process started by `syntra dev` must not outlive it: if the supervisor dies (even by SIGKILL),
 * the child is re-parented, which this notices and answers by shutting down.
 */
export function exitWithParent(log: Logger): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      log.warn('supervisor is gone; shutting down');
      process.kill(process.pid, 'SIGTERM');
    }
  }, parentCheckIntervalMs);
  timer.unref();
}
