import type { TelemetryData } from '../../contracts/index.js';

/*
 * The five kinds of record. `span_columns` is not one: it is how a batch carries spans (see
 * journal.ts), and what it holds are `traces` records.
 */
export type TelemetryKind = Exclude<keyof TelemetryData, 'span_columns'>;

/** A block of span columns already serialised, as the OTLP/protobuf receiver writes them, and how many spans it holds. */
export interface SpanColumnsJson {
  spans: number;
  json: Buffer;
}

/**
 * Some records of each kind, spans possibly as blocks of columns already serialised; absent kinds
 * are empty. What a receiver accepts in one request.
 */
export type TelemetryRecords = Partial<Pick<TelemetryData, TelemetryKind>> & { spanColumnsJson?: SpanColumnsJson[] };

export const TELEMETRY_KINDS: readonly TelemetryKind[] = ['errors', 'traces', 'logs', 'metrics', 'health_checks'];

/*
 * The spool-full policy: logs and metrics are shed first (they are the bulk, and the cheapest to
 * lose), traces next, errors and health-check results last.
 */
export const SHEDDABLE_KINDS: readonly TelemetryKind[] = ['logs', 'metrics'];
export const PRECIOUS_KINDS: readonly TelemetryKind[] = ['errors', 'health_checks'];

export function emptyTelemetryData(): TelemetryData {
  return { errors: [], traces: [], logs: [], metrics: [], health_checks: [] };
}

/** How many records of the kind, spans in columns counted as `traces`. */
function countOf(records: TelemetryRecords, kind: TelemetryKind): number {
  const count = records[kind]?.length ?? 0;
  if (kind !== 'traces') return count;
  return (records.spanColumnsJson ?? []).reduce((sum, block) => sum + block.spans, count);
}

export function recordCount(records: TelemetryRecords): number {
  return TELEMETRY_KINDS.reduce((sum, kind) => sum + countOf(records, kind), 0);
}

export function countsByKind(records: TelemetryRecords): Record<TelemetryKind, number> {
  return Object.fromEntries(TELEMETRY_KINDS.map((kind) => [kind, countOf(records, kind)])) as Record<TelemetryKind, number>;
}

export function carriesPrecious(records: TelemetryRecords): boolean {
  return PRECIOUS_KINDS.some((kind) => (records[kind]?.length ?? 0) > 0);
}
