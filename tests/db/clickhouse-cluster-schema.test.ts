import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env.js';
import { clusterSchema } from '../../db/clickhouse/cluster-schema.js';
import { openClickHouse, type ClickHouseHandle } from '../../engines/clickhouse.js';

/*
 * The cluster DDL (CLICKHOUSE_CLUSTER). No registry ships a current ClickHouse server (Debian's is
 * 18.16, older than the schema), and chDB has neither Keeper nor remote servers, so the statements
 * are parsed by the embedded engine's own parser (EXPLAIN AST) and their shape is checked here;
 * docs/scaling.md says so.
 */

let dir: string;
let chdb: ClickHouseHandle;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'syntra-ch-cluster-'));
  chdb = await openClickHouse({ dataDir: dir });
});
afterAll(async () => {
  await chdb?.client.close();
  await rm(dir, { recursive: true, force: true });
});

const statements = clusterSchema('telemetry');
const headOf = (statement: string) => statement.split('\n', 1)[0]!;

describe('the ClickHouse schema on a cluster', () => {
  it('parses, every statement, with the embedded engine', async () => {
    for (const statement of statements) {
      const parsed = await chdb.client.query({ query: `EXPLAIN AST ${statement}`, format: 'TabSeparatedRaw' });
      expect(await parsed.text(), headOf(statement)).toMatch(/^"?(CreateQuery|AlterQuery)/);
    }
  });

  it('keeps every table as a replicated _local table under a Distributed one of the same name, all ON CLUSTER', () => {
    const heads = statements.map(headOf);
    expect(heads.every((head) => head.includes(' ON CLUSTER telemetry'))).toBe(true);
    for (const table of ['traces', 'logs', 'metrics_raw', 'metrics_1m']) {
      const local = statements.find((statement) => headOf(statement).startsWith(`CREATE TABLE IF NOT EXISTS ${table}_local `))!;
      expect(local, table).toMatch(new RegExp(`ENGINE = Replicated\\w*MergeTree\\('/clickhouse/tables/\\{shard\\}/\\{database\\}/${table}_local', '\\{replica\\}'\\)`));
      const distributed = statements.find((statement) => headOf(statement).startsWith(`CREATE TABLE IF NOT EXISTS ${table} `))!;
      expect(distributed, table).toMatch(new RegExp(`AS ${table}_local\\s+ENGINE = Distributed\\('telemetry', currentDatabase\\(\\), '${table}_local', cityHash64\\(`));
    }
    expect(statements.find((statement) => statement.includes('ReplicatedReplacingMergeTree'))).toMatch(/traces_local/);
    expect(statements.find((statement) => statement.includes('ReplicatedAggregatingMergeTree'))).toMatch(/metrics_1m_local/);
    // Each local table exists before the Distributed table copying its columns.
    expect(heads.findIndex((head) => head.includes('traces_local'))).toBeLessThan(heads.findIndex((head) => head.includes('EXISTS traces ')));
  });

  it('runs the minute view on each shard, from and into the local tables, and alters both forms of a table', () => {
    const view = statements.find((statement) => statement.startsWith('CREATE MATERIALIZED VIEW'))!;
    expect(headOf(view)).toBe('CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1m_mv ON CLUSTER telemetry TO metrics_1m_local AS');
    expect(view).toMatch(/FROM metrics_raw_local\n/);
    const alters = statements.filter((statement) => statement.startsWith('ALTER TABLE')).map(headOf);
    expect(alters).toEqual(['ALTER TABLE traces_local ON CLUSTER telemetry', 'ALTER TABLE traces ON CLUSTER telemetry']);
  });

  it('is refused without a ClickHouse server to reach, and with a name that is not one', () => {
    expect(() => loadConfig({ CLICKHOUSE_CLUSTER: 'telemetry' })).toThrow(ConfigError);
    expect(() => loadConfig({ CLICKHOUSE_CLUSTER: 'telemetry', CLICKHOUSE_URL: 'http://127.0.0.1:8123' })).not.toThrow();
    expect(() => loadConfig({ CLICKHOUSE_CLUSTER: "x'; DROP", CLICKHOUSE_URL: 'http://127.0.0.1:8123' })).toThrow(/CLICKHOUSE_CLUSTER/);
  });
});
