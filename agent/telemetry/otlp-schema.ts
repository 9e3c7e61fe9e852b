import { z } from 'zod';

/*
 * The parts of OTLP export requests Syntra maps, as OTLP/JSON writes them and as protobufjs's
 * `toObject` renders decoded protobuf: lowerCamelCase fields, 64-bit integers as decimal strings
 * (or numbers), enums as integers (or their names), ids as hex (JSON) or byte arrays (protobuf).
 * Unknown fields are ignored; fields in the wrong type make the whole request malformed (400).
 */

const Int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int()]);
/** Hex in OTLP/JSON, bytes from protobuf; empty means absent. */
const Id = z.union([z.string(), z.array(z.number().int().min(0).max(255))]);
const Enum = z.union([z.number().int(), z.string()]);
/* OTLP/JSON writes the doubles JSON cannot hold as strings; the mapping turns them into numbers. */
const Double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

export type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | 'NaN' | 'Infinity' | '-Infinity';
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string | number[];
};
export type KeyValue = { key: string; value?: AnyValue };

/*
 * Only the nested values are lazy: a lazy schema at the top would make zod take its slow path for
 * every attribute of every span, and nearly all attributes are scalars.
 */
export const AnyValue: z.ZodType<AnyValue> = z.object({
  stringValue: z.string().optional(),
  boolValue: z.boolean().optional(),
  intValue: Int64.optional(),
  doubleValue: Double.optional(),
  arrayValue: z.lazy(() => z.object({ values: z.array(AnyValue).optional() })).optional(),
  kvlistValue: z.lazy(() => z.object({ values: z.array(KeyValue).optional() })).optional(),
  bytesValue: Id.optional(),
});
export const KeyValue: z.ZodType<KeyValue> = z.object({ key: z.string(), value: AnyValue.optional() });

const Attributes = z.array(KeyValue).optional();
const Resource = z.object({ attributes: Attributes }).optional();

export const OtlpSpan = z.object({
  traceId: Id.optional(),
  spanId: Id.optional(),
  parentSpanId: Id.optional(),
  name: z.string().optional(),
  kind: Enum.optional(),
  startTimeUnixNano: Int64.optional(),
  endTimeUnixNano: Int64.optional(),
  attributes: Attributes,
  events: z.array(z.object({ timeUnixNano: Int64.optional(), name: z.string().optional(), attributes: Attributes })).optional(),
  status: z.object({ code: Enum.optional(), message: z.string().optional() }).optional(),
});
export type OtlpSpan = z.infer<typeof OtlpSpan>;

export const ExportTraceServiceRequest = z.object({
  resourceSpans: z
    .array(z.object({ resource: Resource, scopeSpans: z.array(z.object({ spans: z.array(OtlpSpan).optional() })).optional() }))
    .optional(),
});
export type ExportTraceServiceRequest = z.infer<typeof ExportTraceServiceRequest>;

export const OtlpLogRecord = z.object({
  timeUnixNano: Int64.optional(),
  observedTimeUnixNano: Int64.optional(),
  severityNumber: Enum.optional(),
  severityText: z.string().optional(),
  body: AnyValue.optional(),
  attributes: Attributes,
  traceId: Id.optional(),
  spanId: Id.optional(),
});
export type OtlpLogRecord = z.infer<typeof OtlpLogRecord>;

export const ExportLogsServiceRequest = z.object({
  resourceLogs: z
    .array(z.object({ resource: Resource, scopeLogs: z.array(z.object({ logRecords: z.array(OtlpLogRecord).optional() })).optional() }))
    .optional(),
});
export type ExportLogsServiceRequest = z.infer<typeof ExportLogsServiceRequest>;

const NumberDataPoint = z.object({
  attributes: Attributes,
  timeUnixNano: Int64.optional(),
  asDouble: Double.optional(),
  asInt: Int64.optional(),
});
const HistogramDataPoint = z.object({
  attributes: Attributes,
  timeUnixNano: Int64.optional(),
  count: Int64.optional(),
  sum: z.number().optional(),
  bucketCounts: z.array(Int64).optional(),
  explicitBounds: z.array(z.number()).optional(),
});

export const OtlpMetric = z.object({
  name: z.string().optional(),
  gauge: z.object({ dataPoints: z.array(NumberDataPoint).optional() }).optional(),
  sum: z.object({ dataPoints: z.array(NumberDataPoint).optional(), isMonotonic: z.boolean().optional() }).optional(),
  histogram: z.object({ dataPoints: z.array(HistogramDataPoint).optional() }).optional(),
  exponentialHistogram: z.object({ dataPoints: z.array(z.unknown()).optional() }).optional(),
  summary: z.object({ dataPoints: z.array(z.unknown()).optional() }).optional(),
});
export type OtlpMetric = z.infer<typeof OtlpMetric>;

export const ExportMetricsServiceRequest = z.object({
  resourceMetrics: z
    .array(z.object({ resource: Resource, scopeMetrics: z.array(z.object({ metrics: z.array(OtlpMetric).optional() })).optional() }))
    .optional(),
});
export type ExportMetricsServiceRequest = z.infer<typeof ExportMetricsServiceRequest>;
