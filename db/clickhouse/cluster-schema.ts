import { clickhouseClusterName } from '../../config/env.js';
import { clickhouseSchema, clickhouseSchemaChanges } from './schema.js';

/*
 * The schema for a ClickHouse cluster (`CLICKHOUSE_CLUSTER`), derived from the single-node
 * statements so there is one definition of each table: every table `t` becomes `t_local`, a
 * Replicated*MergeTree created `ON CLUSTER` on every node (Keeper holds the replication log under
 * `/clickhouse/tables/{shard}/{database}/t_local`; `{shard}` and `{replica}` are each node's
 * macros), and `t` itself becomes a Distributed table over the `t_local`s. Reads and writes keep
 * using `t`, so nothing else changes: an insert is spread over the shards by the sharding key, a
 * query is run on every shard and merged.
 *
 * Sharding keys: a trace's spans stay on one shard (a resent span must meet its first copy for
 * ReplacingMergeTree to drop it); a metric series stays on one shard, so the minute view, which
 * runs on each shard's `metrics_raw_local` into its `metrics_1m_local`, merges whole series; logs
 * are spread by service.
 */

const shardingKeys: Record<string, string> = {
  traces: 'cityHash64(trace_id)',
  logs: 'cityHash64(service_id)',
  metrics_raw: 'cityHash64(service_id, metric_name)',
  metrics_1m: 'cityHash64(service_id, metric_name)',
  // A deployment's lines on one shard: a resent line meets its first copy (ReplacingMergeTree).
  build_logs: 'cityHash64(deployment_id)',
};

const createTable = /^CREATE TABLE IF NOT EXISTS (\w+) \(/;
const createView = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS/;
const alterTable = /^ALTER TABLE (\w+)\b/;
const engine = /ENGINE = (\w*)MergeTree\(\)/;

function localTable(statement: string, table: string, cluster: string): string[] {
  const local = `${table}_local`;
  const key = shardingKeys[table];
  if (!key) throw new Error(`no sharding key for ClickHouse table ${table}`);
  const replicated = statement
    .replace(createTable, `CREATE TABLE IF NOT EXISTS ${local} ON CLUSTER ${cluster} (`)
    .replace(engine, (_match, kind: string) => `ENGINE = Replicated${kind}MergeTree('/clickhouse/tables/{shard}/{database}/${local}', '{replica}')`);
  if (replicated === statement || !engine.test(statement)) throw new Error(`cannot make ${table} replicated: its statement has no MergeTree engine`);
  const distributed = `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER ${cluster} AS ${local}
  ENGINE = Distributed('${cluster}', currentDatabase(), '${local}', ${key})`;
  return [replicated, distributed];
}

function clustered(statement: string, cluster: string): string[] {
  const table = createTable.exec(statement);
  if (table) return localTable(statement, table[1]!, cluster);
  const view = createView.exec(statement);
  if (view) {
    // The view runs where the rows land: on each shard's local tables.
    return [
      statement
        .replace(createView, `CREATE MATERIALIZED VIEW IF NOT EXISTS ${view[1]} ON CLUSTER ${cluster} TO ${view[2]}_local AS`)
        .replace(/\bFROM (\w+)\b/, (_match, source: string) => `FROM ${source}_local`),
    ];
  }
  const altered = alterTable.exec(statement);
  if (altered) {
    // Both the storage and the Distributed table carry the columns.
    return [`${altered[1]}_local`, altered[1]!].map((name) => statement.replace(alterTable, `ALTER TABLE ${name} ON CLUSTER ${cluster}`));
  }
  throw new Error(`no cluster form for ClickHouse statement: ${statement.split('\n', 1)[0]}`);
}

/** The whole schema, then its changes, for `cluster`; each statement idempotent, as on one node. */
export function clusterSchema(cluster: string): string[] {
  if (!clickhouseClusterName.test(cluster)) throw new Error(`CLICKHOUSE_CLUSTER must match ${clickhouseClusterName}`);
  return [...clickhouseSchema, ...clickhouseSchemaChanges].flatMap((statement) => clustered(statement, cluster));
}
