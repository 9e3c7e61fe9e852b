import type { ClickHouseClient } from '@clickhouse/client';
import { clusterSchema } from './cluster-schema.js';
import { clickhouseSchema, clickhouseSchemaChanges } from './schema.js';
import { tracesTable } from './traces.js';

/**
 * Creates whatever part of the schema is missing, in the client's database, brings an older
 * `traces` to its current engine, then applies the schema's changes; repeat calls do nothing.
 * Runs before the API takes telemetry. On a cluster the replicated and distributed form of the
 * same schema is applied instead (cluster-schema.ts); clusters began after the `traces` engine
 * change, so they have no old `traces` to bring over.
 */
export async function migrateClickHouse(client: ClickHouseClient, options: { cluster?: string | undefined } = {}): Promise<void> {
  if (options.cluster) {
    for (const statement of clusterSchema(options.cluster)) await run(client, statement);
    return;
  }
  for (const statement of clickhouseSchema) await run(client, statement);
  // Before the changes: the engine swap builds `traces` anew from its CREATE, which they then alter.
  await replaceTracesEngine(client);
  for (const statement of clickhouseSchemaChanges) await run(client, statement);
}

/** Where the ReplacingMergeTree `traces` is built before it takes the name, and the old table after. */
const tracesSwapTable = 'traces_engine_swap';

/*
 * `traces` was a plain MergeTree until installations had spans stored twice (traces.ts). An engine
 * cannot be altered, so a ReplacingMergeTree is built beside it, given its parts, and swapped in.
 * ATTACH PARTITION FROM hard-links the parts (same columns, keys and indexes) instead of rewriting a
 * month of spans. `traces` holds every span at every step: a run cut short before the EXCHANGE
 * leaves a partial swap table that the next run drops and builds again, one cut short after it
 * leaves the old table, which the next run drops.
 */
async function replaceTracesEngine(client: ClickHouseClient): Promise<void> {
  if ((await engineOf(client, 'traces')) === 'MergeTree') {
    await run(client, `DROP TABLE IF EXISTS ${tracesSwapTable}`);
    await run(client, tracesTable(tracesSwapTable));
    for (const partition of await partitionsOf(client, 'traces')) {
      await run(client, `ALTER TABLE ${tracesSwapTable} ATTACH PARTITION ID '${partition}' FROM traces`);
    }
    await run(client, `EXCHANGE TABLES traces AND ${tracesSwapTable}`);
  }
  await run(client, `DROP TABLE IF EXISTS ${tracesSwapTable}`);
}

async function engineOf(client: ClickHouseClient, table: string): Promise<string | undefined> {
  const result = await client.query({
    query: 'SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
    query_params: { table },
    format: 'JSONEachRow',
  });
  return (await result.json<{ engine: string }>())[0]?.engine;
}

/** Partition ids are ClickHouse's own (`202611` for a toYYYYMM key), safe to write into the statement. */
async function partitionsOf(client: ClickHouseClient, table: string): Promise<string[]> {
  const result = await client.query({
    query: `SELECT DISTINCT partition_id FROM system.parts
      WHERE database = currentDatabase() AND table = {table:String} AND active ORDER BY partition_id`,
    query_params: { table },
    format: 'JSONEachRow',
  });
  return (await result.json<{ partition_id: string }>()).map((row) => row.partition_id);
}

export async function clickhouseVersion(client: ClickHouseClient): Promise<string> {
  const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
  const [row] = await result.json<{ version: string }>();
  if (row === undefined) throw new Error('SELECT version() returned no row');
  return row.version;
}

async function run(client: ClickHouseClient, statement: string): Promise<void> {
  try {
    await client.command({ query: statement });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`ClickHouse schema statement failed: ${firstLine(statement)}: ${reason}`, { cause: error });
  }
}

function firstLine(statement: string): string {
  return statement.split('\n', 1)[0]?.trim() ?? statement;
}
