import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { aiActivities } from '../activities/ai.js';
import type { Platform } from '../control/platform.js';
import { installTemporalRuntime } from './temporal-runtime.js';

/**
 * The API process's own activity worker on `api_task_queues.ai`: no workflow code (those run in
 * `syntra worker`), only the activities that read ClickHouse, which embedded chDB lets no other
 * process open. Started after the platform, stopped (in-flight activities drained) before it closes.
 */
export async function startAiActivityWorker(platform: Platform, log: Logger): Promise<{ stop(): Promise<void> }> {
  installTemporalRuntime(log);
  const connection = await NativeConnection.connect({ address: platform.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: platform.temporal.namespace,
    taskQueue: platform.temporal.apiTaskQueues.ai,
    activities: aiActivities({ ...platform, log: log.child({ component: 'ai-activities' }) }),
  });
  const running = worker.run();
  return {
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
