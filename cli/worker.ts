import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { builtImageRetentionOf } from '../control/registry/retention.js';
import { createActivities } from '../activities/index.js';
import { reconcileSchedules } from '../control/dag/schedules.js';
import { openSecretCipher } from '../control/secrets/open-cipher.js';
import type { Config } from '../config/env.js';
import { createDb } from '../db/postgres/connection.js';
import { migrateToLatest } from '../db/postgres/migrate.js';
import { loadTemporalDevConfig } from '../engines/temporal-config.js';
import { createLogger } from './logger.js';
import { exitWithParent } from './lifecycle.js';
import { installTemporalRuntime } from './temporal-runtime.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * `syntra worker`: polls the task queues named in temporal-dev.yaml. The workflow code is bundled
 * once and shared by the workers of every queue. SIGINT/SIGTERM drain the workers (in-flight
 * tasks finish or are handed back to Temporal), after which `run()` resolves and the process exits 0.
 */
export async function runWorker(config: Config, options: { supervised: boolean }): Promise<void> {
  const log = createLogger(config, 'worker');
  if (options.supervised) exitWithParent(log);
  if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is not set: start the platform with `syntra dev`, or point it at Temporal');
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: activities record deployments in PostgreSQL');
  const temporalDev = await loadTemporalDevConfig(path.resolve(config.SYNTRA_TEMPORAL_CONFIG));
  const namespace = config.TEMPORAL_NAMESPACE ?? temporalDev.namespace;

  installTemporalRuntime(log);
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger(log) });
  // Migrating is safe beside the API's own (kysely's migrator holds a lock): the worker may start first.
  const db = createDb(config.DATABASE_URL, { log });
  await migrateToLatest(db);
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection: clientConnection, namespace });
  const activities = createActivities({
    db,
    secrets: await openSecretCipher(db, config, log),
    temporal: { client, operationsTaskQueue: temporalDev.task_queues.operations },
    registry: config.registry,
    retention: builtImageRetentionOf(config),
  });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    // Schedules follow their definitions; a crash between a save and its schedule's sync is mended here.
    log.info(await reconcileSchedules(db, { client, taskQueue: temporalDev.task_queues.dag }), 'workflow schedules reconciled');
    const workers = await Promise.all(
      Object.values(temporalDev.task_queues).map((taskQueue) =>
        Worker.create({ connection, namespace, taskQueue, workflowBundle, activities }),
      ),
    );
    const drain = () => workers.forEach((worker) => worker.getState() === 'RUNNING' && worker.shutdown());
    process.once('SIGINT', drain);
    process.once('SIGTERM', drain);
    log.info({ namespace, taskQueues: temporalDev.task_queues }, 'worker polling');
    await Promise.all(workers.map((worker) => worker.run()));
  } finally {
    await connection.close();
    await clientConnection.close();
    await db.destroy();
  }
}

function quietBundlerLogger(log: ReturnType<typeof createLogger>) {
  const child = log.child({ component: 'workflow-bundler' });
  return {
    trace: () => undefined,
    debug: () => undefined,
    info: (message: string) => child.debug(message),
    warn: (message: string, meta?: Record<string, unknown>) => child.warn(meta ?? {}, message),
    error: (message: string, meta?: Record<string, unknown>) => child.error(meta ?? {}, message),
    log: () => undefined,
  };
}
