import pino from 'pino';
import { startAiActivityWorker } from '../../cli/ai-activity-worker.js';
import type { Platform } from '../../control/platform.js';
import { startInProcessWorker } from '../operations/worker.js';

/**
 * What runs an issue's analysis beside a test API, as in production: a workflow worker on the
 * operations queue (`syntra worker`) and the API process's own activity worker on the AI queue.
 */
export async function startAiWorkers(platform: Platform) {
  const workflows = await startInProcessWorker(platform, platform.temporal.taskQueues.operations);
  const activities = await startAiActivityWorker(platform, pino({ level: 'warn' }));
  // A test may replace the activity worker (an API process restarted): stop() stops the current one.
  const running = {
    workflows,
    activities,
    async stop() {
      await running.activities.stop();
      await running.workflows.stop();
    },
  };
  return running;
}
