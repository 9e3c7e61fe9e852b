import { IllegalStateError } from '@temporalio/common';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';

/**
 * The Temporal SDK's runtime for a process that runs workers (`syntra worker`, and `syntra api`
 * for its activity-only queue). Shutdown is ours to drive, so the SDK's own signal handling is
 * switched off; its per-state chatter goes through pino at our level instead of its console logger.
 * A runtime is installed once per process: a second call (a test's in-process worker first) keeps it.
 */
export function installTemporalRuntime(log: Logger): void {
  try {
    Runtime.install({ shutdownSignals: [], logger: sdkLogger(log) });
  } catch (error) {
    if (!(error instanceof IllegalStateError)) throw error;
  }
}

function sdkLogger(log: Logger) {
  const child = log.child({ component: 'temporal-sdk' });
  return new DefaultLogger('WARN', ({ level, message, meta }) => {
    // The API's activity-only worker has no workflows on purpose (they run in `syntra worker`).
    if (message.startsWith('No workflows registered')) return;
    const method = level === 'ERROR' ? 'error' : 'warn';
    child[method](meta ?? {}, message);
  });
}
