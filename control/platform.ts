import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import { migrateClickHouse } from '../db/clickhouse/migrate.js';
import { createDb } from '../db/postgres/connection.js';
import type { Database } from '../db/postgres/database.js';
import { migrateToLatest } from '../db/postgres/migrate.js';
import { openClickHouse, type ClickHouseHandle } from '../engines/clickhouse.js';
import { loadTemporalDevConfig, type TemporalDevConfig } from '../engines/temporal-config.js';
import { bootstrapOwner } from './bootstrap.js';
import type { SecretCipher } from './secrets/cipher.js';
import { openSecretCipher } from './secrets/open-cipher.js';

/** What every API request may reach: the stores and Temporal, opened and migrated once. */
export interface Platform {
  config: Config;
  db: Kysely<Database>;
  clickhouse: ClickHouseHandle;
  /** Seals and opens env vars and registry passwords; its master key was checked against the database. */
  secrets: SecretCipher;
  temporal: {
    connection: Connection;
    address: string;
    namespace: string;
    webUrl: string | null;
    taskQueues: TemporalDevConfig['task_queues'];
    /** Polled by the API process itself (cli/ai-activity-worker.ts). */
    apiTaskQueues: TemporalDevConfig['api_task_queues'];
  };
  startedAt: Date;
  close(): Promise<void>;
}

export async function openPlatform(config: Config, log: Logger): Promise<Platform> {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: start the platform with `syntra dev`, or point it at a PostgreSQL');
  if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is not set: start the platform with `syntra dev`, or point it at Temporal');
  const temporalDev = await loadTemporalDevConfig(path.resolve(config.SYNTRA_TEMPORAL_CONFIG));

  const db = createDb(config.DATABASE_URL, { log });
  const applied = await migrateToLatest(db);
  if (applied.length > 0) log.info({ migrations: applied }, 'PostgreSQL migrations applied');
  const secrets = await openSecretCipher(db, config, log).catch(async (error: unknown) => {
    await db.destroy();
    throw error;
  });
  await bootstrapOwner(db, config, log);

  const clickhouse = await openClickHouse({ url: config.CLICKHOUSE_URL, dataDir: config.dataDir });
  await migrateClickHouse(clickhouse.client, { cluster: config.CLICKHOUSE_CLUSTER });

  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return {
    config,
    db,
    clickhouse,
    secrets,
    temporal: {
      connection,
      address: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE ?? temporalDev.namespace,
      webUrl: config.TEMPORAL_WEB_URL ?? null,
      taskQueues: temporalDev.task_queues,
      apiTaskQueues: temporalDev.api_task_queues,
    },
    startedAt: new Date(),
    close: async () => {
      await connection.close();
      await clickhouse.client.close();
      await db.destroy();
    },
  };
}
