import { createHash, randomUUID } from 'node:crypto';
import type { Breadcrumb, ErrorEvent, StackFrame, TraceSpan } from '../../contracts/index.js';
import { Uuid } from '../../contracts/index.js';
import type { SentryBreadcrumb, SentryEvent, SentryException, SentryFrame, SentrySpan, SentryStreamedSpan } from './sentry-schema.js';
import type { ServiceTag } from './service-tagger.js';

/*
 * Sentry → the contract's records. An event's `exception.values` runs from the innermost
 * cause to the exception that was thrown last; the last one is the error (its type, message,
 * frames and mechanism), the causes travel in `context.extra.exception_chain`. The result is a candidate:
 * the receiver validates it against the contract before spooling it.
 */

const BREADCRUMB_TYPES: Record<string, Breadcrumb['type']> = {
  http: 'http',
  navigation: 'navigation',
  ui: 'ui',
  user: 'ui',
  error: 'error',
  query: 'query',
};
const BREADCRUMB_LEVELS: Record<string, Breadcrumb['level']> = {
  fatal: 'error',
  error: 'error',
  warning: 'warning',
  log: 'info',
  info: 'info',
  debug: 'debug',
};

export function errorEventFrom(event: SentryEvent, service: ServiceTag): ErrorEvent {
  const exceptions = Array.isArray(event.exception) ? event.exception : (event.exception?.values ?? []);
  const thrown = exceptions.at(-1);
  const causes = exceptions.slice(0, -1).map((exception) => ({ type: exception.type ?? 'Error', value: exception.value ?? '' }));
  const extra: Record<string, unknown> = { ...event.extra, ...(causes.length > 0 && { exception_chain: causes }) };
  if (event.level) extra.level = event.level;
  // The control plane rates an issue by these (api/ingest/issue-severity.ts): a crash outranks a caught error.
  if (thrown?.mechanism) extra.mechanism = mechanismOf(thrown.mechanism);
  if (event.contexts) extra.contexts = event.contexts;
  const user = userOf(event.user);
  return {
    id: uuidFrom(event.event_id),
    ...service,
    timestamp: isoTime(event.timestamp) ?? new Date().toISOString(),
    type: thrown?.type || (thrown ? 'Error' : 'Message'),
    message: thrown ? (thrown.value ?? '') : messageOf(event),
    stack_trace: (thrown?.stacktrace?.frames ?? []).map(frameOf),
    breadcrumbs: (Array.isArray(event.breadcrumbs) ? event.breadcrumbs : (event.breadcrumbs?.values ?? [])).map(breadcrumbOf),
    context: {
      environment: event.environment ?? 'production',
      release: event.release ?? '',
      ...(user && { user }),
      tags: tagsOf(event.tags),
      extra,
    },
    fingerprint: event.fingerprint ?? [],
  };
}

/** A transaction's root span (from `contexts.trace`) and its child spans. */
export function spansFrom(event: SentryEvent, service: ServiceTag): TraceSpan[] {
  const trace = event.contexts?.trace;
  if (!trace?.trace_id || !trace.span_id || event.start_timestamp === undefined) return [];
  const root: SentrySpan = {
    trace_id: trace.trace_id,
    span_id: trace.span_id,
    parent_span_id: trace.parent_span_id,
    op: trace.op,
    description: event.transaction,
    start_timestamp: event.start_timestamp,
    timestamp: event.timestamp,
    status: trace.status,
    data: trace.data,
  };
  return [root, ...(event.spans ?? [])].map((span, index) => spanOf(span, trace.trace_id!, service, index === 0));
}

/** Streamed spans (current SDKs send these instead of transactions). */
export function streamedSpansFrom(spans: SentryStreamedSpan[], service: ServiceTag): TraceSpan[] {
  return spans.map((span) => {
    const data = Object.fromEntries(Object.entries(span.attributes ?? {}).map(([key, attribute]) => [key, attribute.value]));
    const op = typeof data['sentry.op'] === 'string' ? data['sentry.op'] : undefined;
    return spanOf(
      { ...span, op, description: span.name, timestamp: span.end_timestamp, data },
      span.trace_id,
      service,
      span.is_segment ?? span.parent_span_id === undefined,
    );
  });
}

function spanOf(span: SentrySpan, traceId: string, service: ServiceTag, isRoot: boolean): TraceSpan {
  const start = seconds(span.start_timestamp);
  const end = span.timestamp === undefined ? start : seconds(span.timestamp);
  const attributes: TraceSpan['attributes'] = {};
  for (const [key, value] of Object.entries({ ...span.data, ...span.tags })) {
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) attributes[key] = value;
    else if (value !== undefined && value !== null) attributes[key] = JSON.stringify(value);
  }
  if (span.op) attributes['sentry.op'] = span.op;
  return {
    trace_id: span.trace_id ?? traceId,
    span_id: span.span_id,
    ...(span.parent_span_id && { parent_span_id: span.parent_span_id }),
    ...service,
    operation_name: span.description || span.op || 'span',
    span_kind: isRoot && span.op?.startsWith('http.server') ? 'server' : span.op?.startsWith('http.client') ? 'client' : 'internal',
    start_time_ns: Math.round(start * 1e9),
    duration_ns: Math.max(Math.round((end - start) * 1e9), 0),
    // Sentry says "ok" or names the failure ("error", "internal_error", "not_found" …); no status is "unset".
    status: span.status === undefined ? { code: 'unset' } : span.status === 'ok' ? { code: 'ok' } : { code: 'error', message: span.status },
    attributes,
    events: [],
  };
}

function mechanismOf(mechanism: NonNullable<SentryException['mechanism']>): Record<string, string | boolean> {
  return { ...(mechanism.type !== undefined && { type: mechanism.type }), ...(mechanism.handled !== undefined && { handled: mechanism.handled }) };
}

function frameOf(frame: SentryFrame): StackFrame {
  return {
    filename: frame.filename ?? frame.abs_path ?? frame.module ?? '<unknown>',
    function: frame.function ?? '<anonymous>',
    lineno: Math.max(Math.trunc(frame.lineno ?? 0), 0),
    ...(frame.colno !== undefined && { colno: Math.max(Math.trunc(frame.colno), 0) }),
    ...(frame.context_line !== undefined && { context_line: frame.context_line }),
    ...(frame.pre_context && { pre_context: frame.pre_context }),
    ...(frame.post_context && { post_context: frame.post_context }),
    in_app: frame.in_app ?? false,
  };
}

function breadcrumbOf(crumb: SentryBreadcrumb): Breadcrumb {
  return {
    timestamp: isoTime(crumb.timestamp) ?? new Date().toISOString(),
    type: BREADCRUMB_TYPES[crumb.type ?? ''] ?? 'console',
    category: crumb.category ?? crumb.type ?? 'default',
    ...(crumb.message !== undefined && { message: crumb.message }),
    ...(crumb.data && { data: crumb.data }),
    level: BREADCRUMB_LEVELS[crumb.level ?? ''] ?? 'info',
  };
}

function userOf(user: SentryEvent['user']): ErrorEvent['context']['user'] {
  const id = user?.id ?? user?.username ?? user?.email ?? user?.ip_address;
  if (id === undefined) return undefined;
  return { id: String(id), ...(user?.email && { email: user.email }) };
}

function tagsOf(tags: SentryEvent['tags']): Record<string, string> {
  const entries = Array.isArray(tags) ? tags : Object.entries(tags ?? {});
  return Object.fromEntries(entries.map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
}

function messageOf(event: SentryEvent): string {
  if (typeof event.message === 'string') return event.message;
  return event.message?.formatted ?? event.message?.message ?? event.logentry?.formatted ?? event.logentry?.message ?? '';
}

function seconds(timestamp: number | string): number {
  return typeof timestamp === 'number' ? timestamp : Date.parse(timestamp) / 1000;
}

function isoTime(timestamp: number | string | undefined): string | undefined {
  if (timestamp === undefined) return undefined;
  const millis = typeof timestamp === 'number' ? timestamp * 1000 : Date.parse(timestamp);
  return Number.isFinite(millis) ? new Date(millis).toISOString() : undefined;
}

/*
 * Sentry ids are UUIDs without dashes. One that is not a valid UUID still gets a stable one (a
 * hash of it), so an event sent twice is recognised twice by the control plane's de-duplication.
 */
function uuidFrom(eventId: string | undefined): string {
  if (!eventId) return randomUUID();
  const hex = eventId.replace(/-/g, '').toLowerCase();
  const dashed = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  if (hex.length === 32 && Uuid.safeParse(dashed).success) return dashed;
  const digest = createHash('sha256').update(eventId).digest('hex');
  const variant = ((parseInt(digest[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-${variant}${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
}
