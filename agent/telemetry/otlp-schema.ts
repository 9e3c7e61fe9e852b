import { z } from 'zod';
import { compiledOnFirstUse } from '../../contracts/compiled.js';

/*
 * The parts of OTLP export requests Syntra maps, as OTLP/JSON writes them and as protobufjs's
 * `toObject` renders decoded protobuf: lowerCamelCase fields, 64-bit integers as decimal strings
 * (or numbers), enums as integers (or their names), ids as hex (JSON) or byte arrays (protobuf).
 * Unknown fields are ignored; fields in the wrong type make the whole request malformed (400),
 * except in spans, which are refused one by one (`partial_success`). The schemas the receiver
 * parses spans and metrics with are compiled on first use (`compiledOnFirstUse`). Protobuf spans,
 * the bulk, skip all this: otlp-trace-protobuf.ts reads them from the request's bytes.
 */

/* At most 20 digits: every OTLP 64-bit value fits, and none becomes Infinity as a number. */
const Int64 = z.union([z.string().regex(/^-?\d{1,20}$/), z.number().int()]);
const UInt64 = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]);
const Byte = z.number().int().min(0).max(255);
/** Hex in OTLP/JSON, bytes from protobuf; empty means absent. */
const Id = z.union([z.string(), z.array(Byte)]);
/*
 * W3C trace context ids, as the contract's TraceSpan requires them (the mapping lower-cases hex).
 * Spans only come here as OTLP/JSON: protobuf spans are read by otlp-trace-protobuf.ts.
 */
const TraceId = z.string().regex(/^[0-9a-fA-F]{32}$/);
const SpanId = z.string().regex(/^[0-9a-fA-F]{16}$/);
const ParentSpanId = z.string().regex(/^(?:[0-9a-fA-F]{16})?$/);
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

const scalarValueFields = {
  stringValue: z.string().optional(),
  boolValue: z.boolean().optional(),
  intValue: Int64.optional(),
  doubleValue: Double.optional(),
  bytesValue: Id.optional(),
};

/*
 * Any value, nested to any depth: what a log body may be. Only the nested parts are lazy, so a
 * scalar body takes zod's fast path.
 */
export const AnyValue: z.ZodType<AnyValue> = z.object({
  ...scalarValueFields,
  arrayValue: z.lazy(() => z.object({ values: z.array(AnyValue).optional() })).optional(),
  kvlistValue: z.lazy(() => z.object({ values: z.array(KeyValue).optional() })).optional(),
});
export const KeyValue: z.ZodType<KeyValue> = z.object({ key: z.string(), value: AnyValue.optional() });

/*
 * An attribute's value: OpenTelemetry attributes are scalars or arrays of them, so nesting stops
 * at this depth. Unlike AnyValue the schema is not recursive, which lets zod compile the schemas
 * that use it; each level doubles the generated code, hence the small bound.
 */
export const MAX_ATTRIBUTE_DEPTH = 2;

function attributeValueSchema(depth: number): z.ZodType<AnyValue> {
  const nested = depth === 0 ? z.never({ error: `attribute values nest at most ${MAX_ATTRIBUTE_DEPTH} levels deep` }) : attributeValueSchema(depth - 1);
  return z.object({
    ...scalarValueFields,
    arrayValue: z.object({ values: z.array(nested).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(z.object({ key: z.string(), value: nested.optional() })).optional() }).optional(),
  });
}

const Attributes = z.array(z.object({ key: z.string(), value: attributeValueSchema(MAX_ATTRIBUTE_DEPTH).optional() })).optional();
const Resource = z.object({ attributes: Attributes }).optional();

/*
 * One span, checked for everything the contract's TraceSpan requires, so its mapping (typed by
 * the contract) yields a record the control plane accepts without validating it a second time
 * here: spans are the bulk of telemetry, and that second pass was the agent's largest cost.
 */
const OtlpSpanSchema = z.object({
  traceId: TraceId,
  spanId: SpanId,
  parentSpanId: ParentSpanId.optional(),
  name: z.string().min(1),
  kind: Enum.optional(),
  startTimeUnixNano: UInt64.optional(),
  endTimeUnixNano: UInt64.optional(),
  attributes: Attributes,
  events: z.array(z.object({ timeUnixNano: UInt64.optional(), name: z.string().optional(), attributes: Attributes })).optional(),
  status: z.object({ code: Enum.optional(), message: z.string().optional() }).optional(),
});
export type OtlpSpan = z.infer<typeof OtlpSpanSchema>;
export const OtlpSpan = compiledOnFirstUse(OtlpSpanSchema);

/* Spans are checked one by one in the mapping: one bad span is refused, not the whole request. */
const ExportTraceServiceRequestSchema = z.object({
  resourceSpans: z
    .array(z.object({ resource: Resource, scopeSpans: z.array(z.object({ spans: z.array(z.unknown()).optional() })).optional() }))
    .optional(),
});
export type ExportTraceServiceRequest = z.infer<typeof ExportTraceServiceRequestSchema>;
export const ExportTraceServiceRequest = compiledOnFirstUse(ExportTraceServiceRequestSchema);

export const OtlpLogRecord = z.object({
  timeUnixNano: Int64.optional(),
  observedTimeUnixNano: Int64.optional(),
  severityNumber: Enum.optional(),
  severityText: z.string().optional(),
  body: AnyValue.optional(),
  attributes: z.array(KeyValue).optional(),
  traceId: Id.optional(),
  spanId: Id.optional(),
});
export type OtlpLogRecord = z.infer<typeof OtlpLogRecord>;

/* Not compiled: log bodies are AnyValue, whose recursion zod cannot compile. */
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

const ExportMetricsServiceRequestSchema = z.object({
  resourceMetrics: z
    .array(z.object({ resource: Resource, scopeMetrics: z.array(z.object({ metrics: z.array(OtlpMetric).optional() })).optional() }))
    .optional(),
});
export type ExportMetricsServiceRequest = z.infer<typeof ExportMetricsServiceRequestSchema>;
export const ExportMetricsServiceRequest = compiledOnFirstUse(ExportMetricsServiceRequestSchema);
