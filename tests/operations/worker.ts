import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { IllegalStateError } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import { operationQueueOf } from '../../control/operations/queue.js';
import type { Platform } from '../../control/platform.js';
import { builtImageRetentionOf } from '../../control/registry/retention.js';
import { workflowsPath } from '../../cli/worker.js';

/* A worker inside the calling process (tests, benchmarks), built as `syntra worker` builds its own. */

let bundle: Promise<WorkflowBundle> | undefined;

/** The workflows bundled once per process, as `syntra worker` bundles them. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

type Activities = ReturnType<typeof createActivities>;

/**
 * Polls `taskQueue` of the platform's Temporal with the real activities on the platform's database;
 * `around` may wrap them to inject a fault (a worker that dies after an activity's side effect).
 */
export async function startInProcessWorker(platform: Platform, taskQueue: string, around: (activities: Activities) => Activities = (activities) => activities) {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch (error) {
    // Installed already by an earlier worker of this process.
    if (!(error instanceof IllegalStateError)) throw error;
  }
  const connection = await NativeConnection.connect({ address: platform.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: platform.temporal.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: around(
      createActivities({
        db: platform.db,
        secrets: platform.secrets,
        temporal: { client: operationQueueOf(platform).client, operationsTaskQueue: platform.temporal.taskQueues.operations },
        registry: platform.config.registry,
        retention: builtImageRetentionOf(platform.config),
      }),
    ),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
