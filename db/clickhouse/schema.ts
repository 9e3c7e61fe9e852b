/**
 * The ClickHouse DDL: the interface contract's section 3.2 with every contract column and
 * name, plus the corrections and storage choices below. Statements run in this order; each one is
 * `IF NOT EXISTS`, so applying the list again is harmless. It also means an existing table is never
 * altered: change a table by appending an `ALTER TABLE` statement to `clickhouseSchemaChanges`,
 * never by editing its CREATE. An engine cannot be altered; the one engine change so far (`traces`)
 * is a step of migrate.ts.
 *
 * Corrections (ARCHITECTURE.md, "Corrections to the contract", and db/README.md):
 * - `metrics_1m_mv` groups by its `timestamp` alias: the contract's `GROUP BY toStartOfMinute(timestamp)`
 *   refers to a column the alias shadows and fails with error 215 (NOT_AN_AGGREGATE).
 * - `metrics_1m` is an AggregatingMergeTree of SimpleAggregateFunction columns instead of a
 *   SummingMergeTree, which adds up min and max (and averages) whenever two parts merge. `avg_value`
 *   is gone: the average is sum_value / count, computed when reading (see metrics.ts).
 * - `metrics_1m` sorts by every column the view groups by. Rows that share a sorting key are merged
 *   into one, and a column outside the key keeps an arbitrary row's value, so with the contract's
 *   key two servers reporting the same metric in the same minute would be merged under one server_id.
 *   The contract's key stays the prefix, so its queries use the primary index as before.
 * - `traces` is a ReplacingMergeTree, not a MergeTree: an SDK that resends an export the agent had
 *   already accepted delivers the same span in a later batch, and rows with the same sorting key (a
 *   span's service, start time, trace and span id) collapse into one when parts merge. Until then
 *   both rows are there, so every reader of `traces` counts a span once by that key (traces.ts,
 *   api/ingest/alerts/measurements.ts).
 *
 * Storage: `Delta` before ZSTD on timestamps (monotonic within a part), `Gorilla` on gauge values,
 * ZSTD on strings and maps, which dominate the bytes. Skip indexes: a bloom filter on trace ids
 * (find a trace's spans, or its logs, without a full scan) and a token bloom filter on log messages
 * (word search). TTLs are the contract's.
 */
export const clickhouseSchema: readonly string[] = [
  tracesTable('traces'),

  // tokenbf_v1(filter bytes per granule, hash functions, seed): 8192 log lines hold thousands to
  // tens of thousands of distinct tokens; 32 KiB and 3 hashes keep false positives to a few percent.
  `CREATE TABLE IF NOT EXISTS logs (
    timestamp DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    service_id UUID,
    deployment_id UUID,
    level Enum8('trace' = 0, 'debug' = 1, 'info' = 2, 'warn' = 3, 'error' = 4, 'fatal' = 5),
    message String CODEC(ZSTD(1)),
    attributes Map(String, String) CODEC(ZSTD(1)),
    trace_id Nullable(String) CODEC(ZSTD(1)),
    span_id Nullable(String) CODEC(ZSTD(1)),
    source Enum8('stdout' = 0, 'stderr' = 1, 'sdk' = 2),

    INDEX idx_logs_message message TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1,
    INDEX idx_logs_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
  ) ENGINE = MergeTree()
  PARTITION BY toYYYYMM(timestamp)
  ORDER BY (service_id, timestamp)
  TTL timestamp + INTERVAL 30 DAY
  SETTINGS index_granularity = 8192`,

  `CREATE TABLE IF NOT EXISTS metrics_raw (
    timestamp DateTime CODEC(Delta, ZSTD(1)),
    service_id UUID,
    server_id UUID,
    metric_name String,
    metric_type Enum8('gauge' = 0, 'counter' = 1, 'histogram' = 2),
    value Float64 CODEC(Gorilla, ZSTD(1)),
    labels Map(String, String) CODEC(ZSTD(1))
  ) ENGINE = MergeTree()
  PARTITION BY toYYYYMM(timestamp)
  ORDER BY (service_id, metric_name, timestamp)
  TTL timestamp + INTERVAL 7 DAY
  SETTINGS index_granularity = 8192`,

  `CREATE TABLE IF NOT EXISTS metrics_1m (
    timestamp DateTime CODEC(Delta, ZSTD(1)),
    service_id UUID,
    server_id UUID,
    metric_name String,
    metric_type Enum8('gauge' = 0, 'counter' = 1, 'histogram' = 2),
    min_value SimpleAggregateFunction(min, Float64),
    max_value SimpleAggregateFunction(max, Float64),
    sum_value SimpleAggregateFunction(sum, Float64),
    count SimpleAggregateFunction(sum, UInt64),
    labels Map(String, String) CODEC(ZSTD(1))
  ) ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMM(timestamp)
  ORDER BY (service_id, metric_name, timestamp, labels, server_id, metric_type)
  TTL timestamp + INTERVAL 30 DAY`,

  // Each INSERT into metrics_raw becomes one block of rows here, one per minute and series;
  // merges of metrics_1m (or a GROUP BY when reading) combine the blocks.
  `CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1m_mv TO metrics_1m AS
  SELECT
    toStartOfMinute(timestamp) AS timestamp,
    service_id,
    server_id,
    metric_name,
    metric_type,
    min(value) AS min_value,
    max(value) AS max_value,
    sum(value) AS sum_value,
    count() AS count,
    labels
  FROM metrics_raw
  GROUP BY timestamp, service_id, server_id, metric_name, metric_type, labels`,
];

/**
 * Alterations of the tables above, applied in order after them (and after `traces` has its current
 * engine: migrate.ts), on every start; each one leaves an altered table as it is.
 *
 * - The HTTP columns of `traces` read OpenTelemetry's current attribute names
 *   (`http.request.method`, `http.response.status_code`; stable since semantic conventions 1.23)
 *   and, when a span has none, the older ones the contract names (`http.method`,
 *   `http.status_code`), which older SDKs and Sentry spans still send. `http.route` kept its name.
 *   A MATERIALIZED column is computed when a row is inserted: spans stored before this change
 *   keep what the old expression gave them.
 */
export const clickhouseSchemaChanges: readonly string[] = [
  `ALTER TABLE traces
    MODIFY COLUMN http_method String MATERIALIZED ${attributeOf('http.request.method', 'http.method')},
    MODIFY COLUMN http_status_code UInt16 MATERIALIZED toUInt16OrZero(${attributeOf('http.response.status_code', 'http.status_code')})`,
];

/** A span attribute under its current name, else under its older one. */
function attributeOf(current: string, older: string): string {
  return `if(attributes['${current}'] != '', attributes['${current}'], attributes['${older}'])`;
}

/**
 * `traces` under the name `table`: `migrateClickHouse` builds the ReplacingMergeTree that replaces an
 * older, plain MergeTree `traces` from the same statement.
 */
export function tracesTable(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    service_id UUID,
    deployment_id UUID,
    operation_name String CODEC(ZSTD(1)),
    span_kind Enum8('internal' = 0, 'server' = 1, 'client' = 2, 'producer' = 3, 'consumer' = 4),
    start_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    duration_ns UInt64 CODEC(ZSTD(1)),
    status_code Enum8('unset' = 0, 'ok' = 1, 'error' = 2),
    status_message String CODEC(ZSTD(1)),
    attributes Map(String, String) CODEC(ZSTD(1)),
    events String CODEC(ZSTD(1)),

    http_method String MATERIALIZED attributes['http.method'],
    http_status_code UInt16 MATERIALIZED toUInt16OrZero(attributes['http.status_code']),
    http_route String MATERIALIZED attributes['http.route'],

    INDEX idx_traces_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
  ) ENGINE = ReplacingMergeTree()
  PARTITION BY toYYYYMM(start_time)
  ORDER BY (service_id, start_time, trace_id, span_id)
  TTL start_time + INTERVAL 30 DAY
  SETTINGS index_granularity = 8192`;
}
