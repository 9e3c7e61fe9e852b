import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  ErrorEvent,
  HealthCheckResult,
  LogEntry,
  MetricPoint,
  TelemetryData,
  TraceSpan,
} from '../../contracts/index.js';
import { errorEvent, healthCheckResult, logEntry, metricPoint, telemetryData, traceSpan } from './examples.js';
import { ajvReports, checkedInSchema } from './json-schema-validator.js';
import { type Path, REMOVE, withField } from './with-field.js';

const records = {
  'error-event': { schema: ErrorEvent, example: errorEvent },
  'trace-span': { schema: TraceSpan, example: traceSpan },
  'log-entry': { schema: LogEntry, example: logEntry },
  'metric-point': { schema: MetricPoint, example: metricPoint },
  'health-check-result': { schema: HealthCheckResult, example: healthCheckResult },
  'telemetry-data': { schema: TelemetryData, example: telemetryData },
} satisfies Record<string, { schema: z.ZodType; example: object }>;
type RecordName = keyof typeof records;

const fileOf = (name: RecordName) => `telemetry/${name}.schema.json`;

describe('a valid telemetry record', () => {
  it.each(Object.keys(records) as RecordName[])('%s passes its zod schema and its checked-in JSON Schema', (name) => {
    const { schema, example } = records[name];
    expect(schema.safeParse(example).error?.issues).toBeUndefined();
    const validate = checkedInSchema(fileOf(name));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
  });
});

const faults: { record: RecordName; fault: string; path: Path; value: unknown }[] = [
  { record: 'error-event', fault: 'a negative line number', path: ['stack_trace', 0, 'lineno'], value: -1 },
  { record: 'error-event', fault: 'a breadcrumb level of "warn"', path: ['breadcrumbs', 0, 'level'], value: 'warn' },
  { record: 'error-event', fault: 'a non-string tag', path: ['context', 'tags', 'region'], value: 1 },
  { record: 'trace-span', fault: 'an upper-case trace id', path: ['trace_id'], value: '4BF92F3577B34DA6A3CE929D0E0E4736' },
  { record: 'trace-span', fault: 'a span id of 15 digits', path: ['span_id'], value: 'b7ad6b716920333' },
  { record: 'trace-span', fault: 'an object attribute', path: ['attributes', 'db.system'], value: { name: 'pg' } },
  { record: 'trace-span', fault: 'an unknown span kind', path: ['span_kind'], value: 'queue' },
  { record: 'log-entry', fault: 'the level "warning"', path: ['level'], value: 'warning' },
  { record: 'log-entry', fault: 'a malformed span id', path: ['span_id'], value: 'xyz' },
  { record: 'metric-point', fault: 'the type "summary"', path: ['type'], value: 'summary' },
  { record: 'metric-point', fault: 'a fractional bucket count', path: ['histogram_buckets', 1, 'count'], value: 2.5 },
  { record: 'health-check-result', fault: 'a status code below 100', path: ['status_code'], value: 42 },
  { record: 'health-check-result', fault: 'a missing is_healthy', path: ['is_healthy'], value: REMOVE },
  { record: 'telemetry-data', fault: 'a missing metrics list', path: ['metrics'], value: REMOVE },
  { record: 'telemetry-data', fault: 'a log inside with a bad service id', path: ['logs', 0, 'service_id'], value: 'api' },
];

describe('an invalid telemetry record is rejected at the path of its fault', () => {
  it.each(faults)('$record: $fault', ({ record, path, value }) => {
    const { schema, example } = records[record];
    const invalid = withField(example, path, value);
    expect(schema.safeParse(invalid).error?.issues.map((issue) => issue.path)).toEqual([path]);
    const validate = checkedInSchema(fileOf(record));
    expect(validate(invalid)).toBe(false);
    expect(ajvReports(validate.errors, path), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('trace timestamps', () => {
  it('accept Unix nanoseconds beyond Number.MAX_SAFE_INTEGER', () => {
    expect(traceSpan.start_time_ns).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(TraceSpan.safeParse(traceSpan).success).toBe(true);
  });
});
