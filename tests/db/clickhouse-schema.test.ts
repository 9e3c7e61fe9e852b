import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMinuteMetrics } from '../../db/clickhouse/metrics.js';
import { clickhouseVersion, migrateClickHouse } from '../../db/clickhouse/migrate.js';

/**
 * chdb types its connection against @clickhouse/client-common, while @clickhouse/client 1.23.1
 * ships its own copy of those declarations: the same shape at run time, but tsc sees two distinct
 * `SettingsMap` classes and rejects the assignment.
 */
type ChdbAsClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

const metricType = "Enum8('gauge' = 0, 'counter' = 1, 'histogram' = 2)";

/** Every column of section 3.2 (metrics_1m corrected), as system.columns spells it. */
const expectedColumns: Record<string, Record<string, string>> = {
  traces: {
    trace_id: 'String',
    span_id: 'String',
    parent_span_id: 'String',
    service_id: 'UUID',
    deployment_id: 'UUID',
    operation_name: 'String',
    span_kind: "Enum8('internal' = 0, 'server' = 1, 'client' = 2, 'producer' = 3, 'consumer' = 4)",
    start_time: "DateTime64(9, 'UTC')",
    duration_ns: 'UInt64',
    status_code: "Enum8('unset' = 0, 'ok' = 1, 'error' = 2)",
    status_message: 'String',
    attributes: 'Map(String, String)',
    events: 'String',
    // OpenTelemetry's current attribute names first, the contract's older ones otherwise (schema.ts).
    http_method: "String MATERIALIZED if((attributes['http.request.method']) != '', attributes['http.request.method'], attributes['http.method'])",
    http_status_code:
      "UInt16 MATERIALIZED toUInt16OrZero(if((attributes['http.response.status_code']) != '', attributes['http.response.status_code'], attributes['http.status_code']))",
    http_route: "String MATERIALIZED attributes['http.route']",
  },
  logs: {
    timestamp: "DateTime64(9, 'UTC')",
    service_id: 'UUID',
    deployment_id: 'UUID',
    level: "Enum8('trace' = 0, 'debug' = 1, 'info' = 2, 'warn' = 3, 'error' = 4, 'fatal' = 5)",
    message: 'String',
    attributes: 'Map(String, String)',
    trace_id: 'Nullable(String)',
    span_id: 'Nullable(String)',
    source: "Enum8('stdout' = 0, 'stderr' = 1, 'sdk' = 2)",
  },
  metrics_raw: {
    timestamp: 'DateTime',
    service_id: 'UUID',
    server_id: 'UUID',
    metric_name: 'String',
    metric_type: metricType,
    value: 'Float64',
    labels: 'Map(String, String)',
  },
  metrics_1m: {
    timestamp: 'DateTime',
    service_id: 'UUID',
    server_id: 'UUID',
    metric_name: 'String',
    metric_type: metricType,
    min_value: 'SimpleAggregateFunction(min, Float64)',
    max_value: 'SimpleAggregateFunction(max, Float64)',
    sum_value: 'SimpleAggregateFunction(sum, Float64)',
    count: 'SimpleAggregateFunction(sum, UInt64)',
    labels: 'Map(String, String)',
  },
};

const serviceId = '0b7e3f4c-1d2a-4c5b-9e8f-000000000001';
const otherServiceId = '0b7e3f4c-1d2a-4c5b-9e8f-000000000002';
const serverId = '5e1f0a2b-3c4d-4e5f-8a9b-000000000001';
const secondServerId = '5e1f0a2b-3c4d-4e5f-8a9b-000000000002';

describe('the ClickHouse schema on chDB', () => {
  let dataDir: string;
  let client: ClickHouseClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-chdb-'));
    client = createClient({ connection: createChdbConnection({ path: dataDir }) as unknown as ChdbAsClientConnection });
    await migrateClickHouse(client);
  });

  afterAll(async () => {
    await client?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function rows<T>(query: string, query_params?: Record<string, unknown>): Promise<T[]> {
    return (await client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
  }

  const tableDefinitions = () =>
    rows<{ name: string; engine: string; create_table_query: string }>(
      'SELECT name, engine, create_table_query FROM system.tables WHERE database = currentDatabase() ORDER BY name',
    );

  it('creates the five tables and the materialized view, and changes nothing when applied again', async () => {
    const first = await tableDefinitions();
    expect(first.map(({ name, engine }) => [name, engine])).toEqual([
      ['build_logs', 'ReplacingMergeTree'],
      ['logs', 'MergeTree'],
      ['metrics_1m', 'AggregatingMergeTree'],
      ['metrics_1m_mv', 'MaterializedView'],
      ['metrics_raw', 'MergeTree'],
      ['traces', 'ReplacingMergeTree'],
    ]);
    await migrateClickHouse(client);
    expect(await tableDefinitions()).toEqual(first);
  });

  it('has every contract column with its type, materialized columns included, in order', async () => {
    const columns = await rows<{ table: string; name: string; definition: string }>(
      `SELECT table, name, trimRight(concat(type, ' ', default_kind, ' ', default_expression)) AS definition
       FROM system.columns WHERE database = currentDatabase() AND table IN {tables:Array(String)}
       ORDER BY table, position`,
      { tables: Object.keys(expectedColumns) },
    );
    for (const [table, expected] of Object.entries(expectedColumns)) {
      const actual = columns.filter((column) => column.table === table).map((column) => [column.name, column.definition]);
      expect(actual, table).toEqual(Object.entries(expected));
    }
  });

  it('compresses timestamps with Delta and ZSTD, and large strings with ZSTD', async () => {
    const codecs = await rows<{ column: string; codec: string }>(
      `SELECT concat(table, '.', name) AS column, compression_codec AS codec
       FROM system.columns WHERE database = currentDatabase() AND column IN {columns:Array(String)} ORDER BY column`,
      { columns: ['traces.start_time', 'logs.timestamp', 'metrics_raw.timestamp', 'logs.message', 'traces.events', 'traces.attributes'] },
    );
    expect(Object.fromEntries(codecs.map(({ column, codec }) => [column, codec]))).toEqual({
      'logs.message': 'CODEC(ZSTD(1))',
      'logs.timestamp': 'CODEC(Delta(8), ZSTD(1))',
      'metrics_raw.timestamp': 'CODEC(Delta(4), ZSTD(1))',
      'traces.attributes': 'CODEC(ZSTD(1))',
      'traces.events': 'CODEC(ZSTD(1))',
      'traces.start_time': 'CODEC(Delta(8), ZSTD(1))',
    });
  });

  it('has a bloom filter on trace ids and a token bloom filter on log messages', async () => {
    const indexes = await rows<{ table: string; name: string; type_full: string; expr: string }>(
      'SELECT table, name, type_full, expr FROM system.data_skipping_indices WHERE database = currentDatabase() ORDER BY table, name',
    );
    expect(indexes).toEqual([
      { table: 'logs', name: 'idx_logs_message', type_full: 'tokenbf_v1(32768, 3, 0)', expr: 'message' },
      { table: 'logs', name: 'idx_logs_trace_id', type_full: 'bloom_filter(0.001)', expr: 'trace_id' },
      { table: 'traces', name: 'idx_traces_trace_id', type_full: 'bloom_filter(0.001)', expr: 'trace_id' },
    ]);
  });

  it("keeps the contract's retention: 30 days of traces, logs and minute metrics, 7 days of raw metrics", async () => {
    const engines = await rows<{ name: string; engine_full: string }>(
      `SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' ORDER BY name`,
    );
    const ttl = Object.fromEntries(engines.map(({ name, engine_full }) => [name, /TTL (.*?) SETTINGS/.exec(engine_full)?.[1]]));
    expect(ttl).toEqual({
      // Beyond the contract (issue 19): a build's log outlives its service's own logs.
      build_logs: 'toDateTime(timestamp) + toIntervalDay(90)',
      logs: 'timestamp + toIntervalDay(30)',
      metrics_1m: 'timestamp + toIntervalDay(30)',
      metrics_raw: 'timestamp + toIntervalDay(7)',
      traces: 'start_time + toIntervalDay(30)',
    });
  });

  it('rolls raw metrics up per minute with exact min, max, avg, sum and count, before and after merges', async () => {
    // Ten minutes ago: well inside every TTL, and a whole minute apart from the next bucket.
    const minute = Math.floor(Date.now() / 60_000) * 60 - 600;
    const point = (secondsIntoMinute: number, value: number, overrides: Record<string, string> = {}) => ({
      timestamp: minute + secondsIntoMinute,
      service_id: serviceId,
      server_id: serverId,
      metric_name: 'cpu_percent',
      metric_type: 'gauge',
      value,
      labels: {},
      ...overrides,
    });
    // Two INSERTs, so metrics_1m receives two parts that only a merge (or the read) can combine.
    await client.insert({
      table: 'metrics_raw',
      format: 'JSONEachRow',
      values: [
        point(5, 2),
        point(20, 5),
        point(40, 7),
        point(70, 100),
        point(10, -50, { service_id: otherServiceId }),
        point(10, 999, { metric_name: 'memory_mb' }),
      ],
    });
    await client.insert({
      table: 'metrics_raw',
      format: 'JSONEachRow',
      values: [point(30, 1), point(50, 10), point(15, 4, { server_id: secondServerId })],
    });

    const query = { serviceId, metricName: 'cpu_percent', from: new Date(minute * 1000), to: new Date((minute + 120) * 1000) };
    const expected = [
      { timestamp: new Date(minute * 1000), min: 1, max: 10, sum: 29, count: 6, avg: 29 / 6 },
      { timestamp: new Date((minute + 60) * 1000), min: 100, max: 100, sum: 100, count: 1, avg: 100 },
    ];
    const storedRows = () =>
      rows<{ server_id: string; min_value: number; max_value: number; sum_value: number; count: string | number }>(
        `SELECT server_id, min_value, max_value, sum_value, count FROM metrics_1m
         WHERE service_id = {serviceId:UUID} AND metric_name = 'cpu_percent' AND timestamp = toDateTime({minute:Int64})
         ORDER BY server_id, min_value`,
        { serviceId, minute },
      );

    expect(await storedRows()).toHaveLength(3);
    expect(await readMinuteMetrics(client, query)).toEqual(expected);

    await client.command({ query: 'OPTIMIZE TABLE metrics_1m FINAL' });

    // Merged into one row per server; a SummingMergeTree would have added the parts' minima and maxima.
    expect((await storedRows()).map((row) => ({ ...row, count: Number(row.count) }))).toEqual([
      { server_id: serverId, min_value: 1, max_value: 10, sum_value: 25, count: 5 },
      { server_id: secondServerId, min_value: 4, max_value: 4, sum_value: 4, count: 1 },
    ]);
    expect(await readMinuteMetrics(client, query)).toEqual(expected);
  });

  it('fills the materialized HTTP columns of a span from its attributes, by current or older OpenTelemetry names', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const span = (spanId: string, attributes: Record<string, string>) => ({
      trace_id: traceId,
      span_id: spanId,
      parent_span_id: '',
      service_id: serviceId,
      deployment_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      operation_name: 'POST /api/v1/orders',
      span_kind: 'server',
      start_time: new Date().toISOString().replace('T', ' ').replace('Z', ''),
      duration_ns: 1_250_000,
      status_code: 'ok',
      status_message: '',
      attributes,
      events: '[]',
    });
    await client.insert({
      table: 'traces',
      format: 'JSONEachRow',
      values: [
        span('00f067aa0ba902b1', { 'http.method': 'POST', 'http.status_code': '201', 'http.route': '/api/v1/orders' }),
        span('00f067aa0ba902b2', { 'http.request.method': 'PUT', 'http.response.status_code': '409', 'http.route': '/api/v1/orders/:id', 'url.path': '/api/v1/orders/7' }),
        // An SDK in OpenTelemetry's migration mode (OTEL_SEMCONV_STABILITY_OPT_IN=http/dup) sends both.
        span('00f067aa0ba902b3', { 'http.request.method': 'GET', 'http.method': 'GET', 'http.response.status_code': '404', 'http.status_code': '404' }),
        span('00f067aa0ba902b4', { 'db.system': 'postgresql' }),
      ],
    });
    const spans = await rows<{ span_id: string; http_method: string; http_status_code: number; http_route: string }>(
      'SELECT span_id, http_method, http_status_code, http_route FROM traces WHERE trace_id = {traceId:String} ORDER BY span_id',
      { traceId },
    );
    expect(spans).toEqual([
      { span_id: '00f067aa0ba902b1', http_method: 'POST', http_status_code: 201, http_route: '/api/v1/orders' },
      { span_id: '00f067aa0ba902b2', http_method: 'PUT', http_status_code: 409, http_route: '/api/v1/orders/:id' },
      { span_id: '00f067aa0ba902b3', http_method: 'GET', http_status_code: 404, http_route: '' },
      { span_id: '00f067aa0ba902b4', http_method: '', http_status_code: 0, http_route: '' },
    ]);
  });

  it('reports the engine version', async () => {
    expect(await clickhouseVersion(client)).toMatch(/^\d+\.\d+/);
  });
});
