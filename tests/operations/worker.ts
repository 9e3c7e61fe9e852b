import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { IllegalStateError } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { createActivities } from '../../activities/index.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import { workflowsPath } from '../../cli/worker.js';
import type { Database } from '../../db/postgres/database.js';

/* A worker inside the calling process (tests, benchmarks), built as `syntra worker` builds its own. */

let bundle: Promise<WorkflowBundle> | undefined;

/** The workflows bundled once per process, as `syntra worker` bundles them. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

/** Polls `taskQueue` with the real activities on `db`. */
export async function startInProcessWorker(options: { address: string; namespace: string; taskQueue: string; db: Kysely<Database>; secrets: SecretCipher }) {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch (error) {
    // Installed already by an earlier worker of this process.
    if (!(error instanceof IllegalStateError)) throw error;
  }
  const connection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ db: options.db, secrets: options.secrets }),
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
