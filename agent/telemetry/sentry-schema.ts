import { z } from 'zod';

/*
 * The parts of a Sentry event (https://develop.sentry.dev/sdk/data-model/event-payloads/) that
 * Syntra maps. SDKs differ in what they fill, so nearly everything is optional and unknown
 * fields are ignored; a field of the wrong type makes the item malformed.
 */

/** Seconds since the epoch (a float) or an RFC 3339 string, as SDKs send timestamps. */
export const SentryTimestamp = z.union([z.number(), z.string()]);

export const SentryFrame = z.object({
  filename: z.string().optional(),
  abs_path: z.string().optional(),
  module: z.string().optional(),
  function: z.string().optional(),
  lineno: z.number().optional(),
  colno: z.number().optional(),
  context_line: z.string().optional(),
  pre_context: z.array(z.string()).optional(),
  post_context: z.array(z.string()).optional(),
  in_app: z.boolean().optional(),
});
export type SentryFrame = z.infer<typeof SentryFrame>;

export const SentryException = z.object({
  type: z.string().optional(),
  value: z.string().optional(),
  module: z.string().optional(),
  stacktrace: z.object({ frames: z.array(SentryFrame).optional() }).nullish(),
  /** How the SDK caught it: `handled: false` for an uncaught exception or unhandled rejection. */
  mechanism: z.object({ type: z.string().optional(), handled: z.boolean().optional() }).nullish(),
});
export type SentryException = z.infer<typeof SentryException>;

export const SentryBreadcrumb = z.object({
  timestamp: SentryTimestamp.optional(),
  type: z.string().optional(),
  category: z.string().optional(),
  message: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  level: z.string().optional(),
});
export type SentryBreadcrumb = z.infer<typeof SentryBreadcrumb>;

const TraceContext = z.object({
  trace_id: z.string().optional(),
  span_id: z.string().optional(),
  parent_span_id: z.string().optional(),
  op: z.string().optional(),
  status: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const SentrySpan = z.object({
  trace_id: z.string().optional(),
  span_id: z.string(),
  parent_span_id: z.string().optional(),
  op: z.string().optional(),
  description: z.string().optional(),
  start_timestamp: SentryTimestamp,
  timestamp: SentryTimestamp.optional(),
  status: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
});
export type SentrySpan = z.infer<typeof SentrySpan>;

export const SentryEvent = z.object({
  event_id: z.string().optional(),
  type: z.string().optional(),
  timestamp: SentryTimestamp.optional(),
  start_timestamp: SentryTimestamp.optional(),
  level: z.string().optional(),
  platform: z.string().optional(),
  logger: z.string().optional(),
  transaction: z.string().optional(),
  release: z.string().optional(),
  environment: z.string().optional(),
  message: z.union([z.string(), z.object({ formatted: z.string().optional(), message: z.string().optional() })]).optional(),
  logentry: z.object({ formatted: z.string().optional(), message: z.string().optional() }).optional(),
  exception: z.union([z.object({ values: z.array(SentryException).optional() }), z.array(SentryException)]).optional(),
  breadcrumbs: z.union([z.object({ values: z.array(SentryBreadcrumb).optional() }), z.array(SentryBreadcrumb)]).optional(),
  user: z
    .object({ id: z.union([z.string(), z.number()]).optional(), email: z.string().optional(), username: z.string().optional(), ip_address: z.string().optional() })
    .nullish(),
  tags: z.union([z.record(z.string(), z.unknown()), z.array(z.tuple([z.string(), z.unknown()]))]).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
  contexts: z.object({ trace: TraceContext.optional() }).catchall(z.unknown()).optional(),
  fingerprint: z.array(z.string()).optional(),
  spans: z.array(SentrySpan).optional(),
});
export type SentryEvent = z.infer<typeof SentryEvent>;

/*
 * Streamed spans (`span` items, content type application/vnd.sentry.items.span.v2+json): what
 * current SDKs send instead of transactions. Attributes are typed `{ value, type }` pairs.
 */
export const SentryStreamedSpan = z.object({
  trace_id: z.string(),
  span_id: z.string(),
  parent_span_id: z.string().optional(),
  name: z.string().optional(),
  start_timestamp: SentryTimestamp,
  end_timestamp: SentryTimestamp.optional(),
  is_segment: z.boolean().optional(),
  status: z.string().optional(),
  attributes: z.record(z.string(), z.object({ value: z.unknown() })).optional(),
});
export type SentryStreamedSpan = z.infer<typeof SentryStreamedSpan>;
export const SentrySpanItem = z.union([z.object({ items: z.array(SentryStreamedSpan) }), SentryStreamedSpan.transform((span) => ({ items: [span] }))]);

export const EnvelopeHeader = z.object({ event_id: z.string().optional(), dsn: z.string().optional() });
export const EnvelopeItemHeader = z.object({ type: z.string(), length: z.number().int().nonnegative().optional() });
