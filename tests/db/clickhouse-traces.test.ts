import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../../db/clickhouse/alert-measurements.js';
import type { TraceSpan } from '../../contracts/index.js';
import { insertEncoded, jsonColumns } from '../../db/clickhouse/writer.js';
import { migrateClickHouse } from '../../db/clickhouse/migrate.js';
import { searchTraces, spanBlockOf, spansOfTrace, tracesTable } from '../../db/clickhouse/traces.js';
import { openClickHouse } from '../../engines/clickhouse.js';

const serviceId = '0b7e3f4c-1d2a-4c5b-9e8f-000000000001';
const hex = (digits: number) => randomUUID().replace(/-/g, '').slice(0, digits);
const millisNs = 1e6;

const span = (traceId: string, overrides: Partial<TraceSpan> = {}): TraceSpan => ({
  trace_id: traceId,
  span_id: hex(16),
  service_id: serviceId,
  deployment_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  operation_name: 'POST /checkout',
  span_kind: 'server',
  start_time_ns: Date.now() * millisNs,
  duration_ns: 10 * millisNs,
  status: { code: 'unset' },
  attributes: {},
  events: [],
  ...overrides,
});

/** chDB opens one data folder per process: each describe opens its own and closes it after. */
function chdbPerDescribe(prepare: (client: ClickHouseClient) => Promise<void>) {
  const state = { client: undefined as unknown as ClickHouseClient, dataDir: '' };
  beforeAll(async () => {
    state.dataDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-chdb-traces-'));
    state.client = (await openClickHouse({ dataDir: state.dataDir })).client;
    await prepare(state.client);
  });
  afterAll(async () => {
    await state.client?.close();
    if (state.dataDir) await rm(state.dataDir, { recursive: true, force: true });
  });
  return state;
}

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

const insertSpans = (client: ClickHouseClient, spans: TraceSpan[], table = 'traces') =>
  insertEncoded(client, table, jsonColumns, [spanBlockOf(spans)]);

describe('a span stored twice (an SDK resending an export) on chDB', () => {
  const chdb = chdbPerDescribe(async (client) => {
    await migrateClickHouse(client);
    // Background merges would collapse the two rows at any moment; the readers must not rely on them.
    await client.command({ query: 'SYSTEM STOP MERGES traces' });
  });

  const traceId = hex(32);
  const root = span(traceId, { status: { code: 'error', message: 'card declined' } });
  const child = span(traceId, { parent_span_id: root.span_id, operation_name: 'SELECT cards', span_kind: 'client', start_time_ns: root.start_time_ns + 1_000, duration_ns: 30 * millisNs });

  const storedRows = async () =>
    Number((await rows<{ n: string }>(chdb.client, `SELECT count() AS n FROM traces WHERE trace_id = '${traceId}'`))[0]!.n);
  const whatReadersShow = async () => ({
    spans: (await spansOfTrace(chdb.client, traceId)).map((shown) => shown.span_id),
    search: (await searchTraces(chdb.client, { serviceId, limit: 10 })).map(({ trace_id, span_count, error_count }) => ({ trace_id, span_count, error_count })),
    errorRatePercent: (await measure(chdb.client, { type: 'error_rate', threshold_percent: 10, window_minutes: 60 }, [serviceId])).get(serviceId),
    latencyP50Ms: (await measure(chdb.client, { type: 'latency', percentile: 50, threshold_ms: 100, window_minutes: 60 }, [serviceId])).get(serviceId),
  });
  const seenOnce = {
    spans: [root.span_id, child.span_id],
    search: [{ trace_id: traceId, span_count: 2, error_count: 1 }],
    errorRatePercent: 50,
    latencyP50Ms: 20,
  };

  it('is shown and counted once before the rows merge, and stored once after', async () => {
    await insertSpans(chdb.client, [root, child]);
    await insertSpans(chdb.client, [root]);
    expect(await storedRows()).toBe(3);
    expect(await whatReadersShow()).toEqual(seenOnce);

    await chdb.client.command({ query: 'SYSTEM START MERGES traces' });
    await chdb.client.command({ query: 'OPTIMIZE TABLE traces FINAL' });
    expect(await storedRows()).toBe(2);
    expect(await whatReadersShow()).toEqual(seenOnce);
  });
});

describe('an installation whose traces table is a plain MergeTree', () => {
  const plainMergeTree = (table: string) => tracesTable(table).replace('ENGINE = ReplacingMergeTree()', 'ENGINE = MergeTree()');
  const chdb = chdbPerDescribe(async (client) => {
    await client.command({ query: plainMergeTree('traces') });
  });

  const traceId = hex(32);
  // Two parts, most likely in two monthly partitions.
  const spans = [span(traceId), span(traceId, { start_time_ns: (Date.now() - 25 * 86_400_000) * millisNs })];
  const tables = async () =>
    rows<{ name: string; engine: string }>(chdb.client, "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND name LIKE 'traces%' ORDER BY name");
  const storedSpanIds = async () =>
    (await rows<{ span_id: string }>(chdb.client, 'SELECT span_id FROM traces ORDER BY start_time')).map((row) => row.span_id);

  it('becomes a ReplacingMergeTree with every span, even when an earlier migration was cut short before its swap', async () => {
    for (const stored of spans) await insertSpans(chdb.client, [stored]);
    // A run that died while giving the new table its parts.
    await chdb.client.command({ query: tracesTable('traces_engine_swap') });
    await insertSpans(chdb.client, [spans[0]!], 'traces_engine_swap');

    await migrateClickHouse(chdb.client);
    expect(await tables()).toEqual([{ name: 'traces', engine: 'ReplacingMergeTree' }]);
    expect(await storedSpanIds()).toEqual([spans[1]!.span_id, spans[0]!.span_id]);
    expect(await spansOfTrace(chdb.client, traceId)).toHaveLength(2);
    // The schema's changes reach the table the swap built, not only the one it replaced.
    const httpMethod = await rows<{ expression: string }>(
      chdb.client,
      "SELECT default_expression AS expression FROM system.columns WHERE database = currentDatabase() AND table = 'traces' AND name = 'http_method'",
    );
    expect(httpMethod[0]!.expression).toContain('http.request.method');

    await migrateClickHouse(chdb.client);
    expect(await tables()).toEqual([{ name: 'traces', engine: 'ReplacingMergeTree' }]);
    expect(await storedSpanIds()).toEqual([spans[1]!.span_id, spans[0]!.span_id]);
  });

  it('drops the old table a migration cut short after its swap left behind', async () => {
    await chdb.client.command({ query: plainMergeTree('traces_engine_swap') });
    await insertSpans(chdb.client, spans, 'traces_engine_swap');

    await migrateClickHouse(chdb.client);
    expect(await tables()).toEqual([{ name: 'traces', engine: 'ReplacingMergeTree' }]);
    expect(await storedSpanIds()).toEqual([spans[1]!.span_id, spans[0]!.span_id]);
  });
});
