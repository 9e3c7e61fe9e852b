import { buildLogsTable } from './build-logs.js';
import { logsTable } from './logs.js';
import { metricsMinuteTable, metricsMinuteView, metricsRawTable } from './metrics.js';
import { tracesHttpColumns, tracesTable } from './traces.js';

/**
 * The order migrate.ts applies the ClickHouse DDL in: the interface contract's section 3.2 with
 * every contract column and name, plus the corrections and storage choices written beside each
 * table's columns (traces.ts, logs.ts, metrics.ts). Each statement is `IF NOT EXISTS`, so applying
 * the list again is harmless. It also means an existing table is never altered: change a table by
 * appending an `ALTER TABLE` statement to `clickhouseSchemaChanges`, never by editing its CREATE.
 * An engine cannot be altered; the one engine change so far (`traces`) is a step of migrate.ts.
 *
 * Storage: `Delta` before ZSTD on timestamps (monotonic within a part), `Gorilla` on gauge values,
 * ZSTD on strings and maps, which dominate the bytes. Skip indexes: a bloom filter on trace ids
 * (find a trace's spans, or its logs, without a full scan) and a token bloom filter on log messages
 * (word search). TTLs are the contract's.
 */
export const clickhouseSchema: readonly string[] = [
  tracesTable('traces'),
  logsTable,
  metricsRawTable,
  // The view writes into metrics_1m, which must exist first.
  metricsMinuteTable,
  metricsMinuteView,
  buildLogsTable,
];

/**
 * Alterations of the tables above, applied in order after them (and after `traces` has its current
 * engine: migrate.ts), on every start; each one leaves an altered table as it is.
 */
export const clickhouseSchemaChanges: readonly string[] = [tracesHttpColumns];
