import { spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemporalDevConfig } from '../../engines/temporal-config.js';
import { testConfig } from '../support/platform.js';

describe('syntra worker', () => {
  let connection: Connection;
  let env: Awaited<ReturnType<typeof testConfig>>;
  beforeAll(async () => {
    env = await testConfig('worker');
    connection = await Connection.connect({ address: env.config.TEMPORAL_ADDRESS! });
  });
  afterAll(async () => {
    await connection?.close();
    await env?.cleanup();
  });

  it('polls every task queue of temporal-dev.yaml and stops cleanly on SIGTERM', async () => {
    const { task_queues } = await loadTemporalDevConfig('temporal-dev.yaml');
    const worker = spawn(process.execPath, ['bin/syntra.js', 'worker'], {
      env: { ...process.env, DATABASE_URL: env.config.DATABASE_URL, TEMPORAL_ADDRESS: env.config.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: env.config.TEMPORAL_NAMESPACE, SYNTRA_DATA_DIR: env.config.dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));

    const pollers = async (taskQueue: string) => {
      const answer = await connection.workflowService.describeTaskQueue({
        namespace: env.config.TEMPORAL_NAMESPACE!,
        taskQueue: { name: taskQueue },
        taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return answer.pollers?.length ?? 0;
    };
    await expect
      .poll(async () => Math.min(...(await Promise.all(Object.values(task_queues).map(pollers)))), { timeout: 60_000, interval: 500 })
      .toBeGreaterThan(0);

    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
