import type { SpanColumns } from '../../contracts/index.js';
import { jsonBytes, JsonColumn } from './json-column.js';
import { Refusals, SPAN_KINDS, STATUS_CODES, UNKNOWN_SERVICE, type ResolveResource } from './otlp-mapping.js';
import { attribute, RefusedSpan, resourceAttributes } from './otlp-protobuf-attributes.js';
import { FIXED64, LENGTH_DELIMITED, Range, TWO_TO_32, VARINT, Wire } from './protobuf-wire.js';
import type { SpanColumnsJson } from './telemetry-data.js';

/*
 * OTLP/protobuf trace exports turned straight into the JSON of protocol 1.2's span columns, the
 * form the journal stores (journal.ts). This is the bulk of what the agent receives: the
 * containers it deploys export `http/protobuf` (agent-telemetry.ts), OpenTelemetry's default.
 * Ids are written as hex and names copied as escaped UTF-8 from the request's bytes into each
 * column's bytes: no JavaScript string or object per span, where decoding to objects, then
 * serialising them, cost most of the agent's CPU.
 *
 * It keeps the receiver's rules for spans (otlp-schema.ts, otlp-mapping.ts): a span without a
 * 16-byte trace id, an 8-byte span id, a 0- or 8-byte parent id and a name, or with attribute
 * values nested deeper than MAX_ATTRIBUTE_DEPTH, is refused on its own (`partial_success`); bytes
 * that are not protobuf, or a known field in the wrong wire type, make the request malformed (400).
 * Unknown fields (links, trace state, flags, dropped counts, scopes) are skipped, and a later
 * field wins. Attributes are read by otlp-protobuf-attributes.ts.
 *
 * Field numbers are opentelemetry-proto's (collector/trace/v1, trace/v1/trace.proto).
 */

/** The spans of one request as blocks of columns' JSON, and how many were refused and why. */
export interface DecodedSpans {
  blocks: SpanColumnsJson[];
  rejected: number;
  errorMessage: string | undefined;
}

/* Blocks stay well under a batch (spool.ts), so the journal never has to split one. */
const MAX_BLOCK_BYTES = 1024 * 1024;

const SPAN_KIND_JSON = SPAN_KINDS.map(jsonBytes);
const STATUS_CODE_JSON = STATUS_CODES.map(jsonBytes);

const COLUMNS: readonly (keyof SpanColumns)[] = [
  'trace_id',
  'span_id',
  'parent_span_id',
  'service_id',
  'deployment_id',
  'operation_name',
  'span_kind',
  'start_time_ns',
  'duration_ns',
  'status_code',
  'status_message',
  'attributes',
  'events',
];
const COLUMN_OPENINGS = COLUMNS.map((name, index) => Buffer.from(`${index === 0 ? '{' : '],'}"${name}":[`));
const BLOCK_CLOSING = Buffer.from(']}');

/*
 * The columns' buffers, grown to the largest block and kept: a request is decoded in one
 * synchronous call, and each block is copied out of them when it is closed.
 */
const columnBuffers = Object.fromEntries(COLUMNS.map((name) => [name, new JsonColumn()])) as Record<keyof SpanColumns, JsonColumn>;

/** Spans written column by column into blocks of at most MAX_BLOCK_BYTES. */
class BlockWriter extends Refusals {
  readonly blocks: SpanColumnsJson[] = [];
  readonly columns = columnBuffers;
  private readonly inOrder = COLUMNS.map((name) => this.columns[name]);
  spans = 0;

  constructor() {
    super();
    for (const column of this.inOrder) column.length = 0;
  }

  /** After each span: a full block is closed and the next one begun. */
  spanWritten(): void {
    this.spans += 1;
    let bytes = 0;
    for (const column of this.inOrder) bytes += column.length;
    if (bytes >= MAX_BLOCK_BYTES) this.closeBlock();
  }

  closeBlock(): void {
    if (this.spans === 0) return;
    const parts: Buffer[] = [];
    for (const [index, column] of this.inOrder.entries()) {
      parts.push(COLUMN_OPENINGS[index]!, column.bytes.subarray(0, column.length));
      column.length = 0;
    }
    parts.push(BLOCK_CLOSING);
    this.blocks.push({ spans: this.spans, json: Buffer.concat(parts) });
    this.spans = 0;
  }
}

export function decodeTraceColumns(body: Buffer, resolve: ResolveResource): DecodedSpans {
  const wire = new Wire(body);
  const out = new BlockWriter();
  wire.each(1, body.length, (end) => resourceSpans(wire, end, resolve, out));
  out.closeBlock();
  return { blocks: out.blocks, rejected: out.rejected, errorMessage: out.errorMessage };
}

/*
 * ResourceSpans: resource = 1, scope_spans = 2. The resource names the service of every span, and
 * protobuf lets it come after them, so the spans are read once it is known.
 */
function resourceSpans(wire: Wire, end: number, resolve: ResolveResource, out: BlockWriter): void {
  let resource: Record<string, string> = {};
  const scopes: [number, number][] = [];
  while (wire.position < end) {
    const tag = wire.varint();
    const field = tag >>> 3;
    if (field === 1) {
      wire.expect(tag, LENGTH_DELIMITED);
      resource = resourceAttributes(wire, wire.delimited());
    } else if (field === 2) {
      wire.expect(tag, LENGTH_DELIMITED);
      const scopeEnd = wire.delimited();
      scopes.push([wire.position, scopeEnd]);
      wire.position = scopeEnd;
    } else wire.skip(tag);
  }
  const service = resolve(resource);
  const json = service && { serviceId: jsonBytes(service.service_id), deploymentId: jsonBytes(service.deployment_id) };
  for (const [start, scopeEnd] of scopes) {
    wire.position = start;
    scopeSpans(wire, scopeEnd, json, out);
  }
  wire.position = end;
}

/** The service's ids, as the JSON every span of a resource repeats. */
interface ServiceJson {
  serviceId: Buffer;
  deploymentId: Buffer;
}

/* ScopeSpans: spans = 2. Without a service, each span is refused unread. */
function scopeSpans(wire: Wire, end: number, service: ServiceJson | null, out: BlockWriter): void {
  wire.each(2, end, (spanEnd) => {
    if (!service) return out.reject(1, UNKNOWN_SERVICE);
    try {
      span(wire, spanEnd, service, out);
    } catch (error) {
      if (!(error instanceof RefusedSpan)) throw error;
      out.reject(1, error.message);
    }
  });
}

/* One span's fields read so far; a span is read by one call at a time, so they are reused. */
const traceId = new Range();
const spanId = new Range();
const parentId = new Range();
const name = new Range();
const statusMessage = new Range();
const spanRanges = [traceId, spanId, parentId, name, statusMessage];

/*
 * Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, kind = 6, start = 7, end = 8,
 * attributes = 9, events = 11, status = 15. Attributes and events are written as they are read,
 * the other columns once the span is known to be whole; a refused span's attributes and events
 * are taken back, so it leaves nothing behind.
 */
function span(wire: Wire, end: number, service: ServiceJson, out: BlockWriter): void {
  const { columns } = out;
  const first = out.spans === 0;
  const attributesMark = columns.attributes.length;
  const eventsMark = columns.events.length;
  for (const range of spanRanges) range.clear();
  let kind = 0;
  let code = 0;
  let startAt = -1;
  let endAt = -1;
  let attributes = 0;
  let events = 0;
  columns.attributes.next(first).ascii('{');
  columns.events.next(first).ascii('[');
  try {
    while (wire.position < end) {
      const tag = wire.varint();
      switch (tag >>> 3) {
        case 1:
          traceId.read(wire, tag);
          break;
        case 2:
          spanId.read(wire, tag);
          break;
        case 4:
          parentId.read(wire, tag);
          break;
        case 5:
          name.read(wire, tag);
          break;
        case 6:
          wire.expect(tag, VARINT);
          kind = wire.varint();
          break;
        case 7:
          wire.expect(tag, FIXED64);
          startAt = wire.fixed(8);
          break;
        case 8:
          wire.expect(tag, FIXED64);
          endAt = wire.fixed(8);
          break;
        case 9:
          wire.expect(tag, LENGTH_DELIMITED);
          attribute(columns.attributes, wire, wire.delimited(), attributes++ === 0);
          break;
        case 11:
          wire.expect(tag, LENGTH_DELIMITED);
          spanEvent(columns.events, wire, wire.delimited(), events++ === 0);
          break;
        case 15:
          wire.expect(tag, LENGTH_DELIMITED);
          code = status(wire, wire.delimited());
          break;
        default:
          wire.skip(tag);
      }
    }
    if (traceId.length !== 16) throw new RefusedSpan(`traceId: a trace id is 16 bytes, not ${traceId.length}`);
    if (spanId.length !== 8) throw new RefusedSpan(`spanId: a span id is 8 bytes, not ${spanId.length}`);
    if (parentId.length !== 0 && parentId.length !== 8) throw new RefusedSpan(`parentSpanId: a span id is 8 bytes, not ${parentId.length}`);
    if (name.length === 0) throw new RefusedSpan('name: a span needs a name');
  } catch (error) {
    columns.attributes.length = attributesMark;
    columns.events.length = eventsMark;
    throw error;
  }
  columns.attributes.ascii('}');
  columns.events.ascii(']');
  const bytes = wire.bytes;
  // Exact to the nanosecond: the halves' differences are exact, and their sum is rounded once.
  const duration = (wire.high(endAt) - wire.high(startAt)) * TWO_TO_32 + (wire.low(endAt) - wire.low(startAt));
  columns.trace_id.next(first).hex(bytes, traceId.start, traceId.end);
  columns.span_id.next(first).hex(bytes, spanId.start, spanId.end);
  columns.parent_span_id.next(first).hex(bytes, parentId.start, parentId.end);
  columns.service_id.next(first).raw(service.serviceId);
  columns.deployment_id.next(first).raw(service.deploymentId);
  columns.operation_name.next(first).string(bytes, name.start, name.end);
  columns.span_kind.next(first).raw(SPAN_KIND_JSON[kind] ?? SPAN_KIND_JSON[0]!);
  columns.start_time_ns.next(first).ascii(String(wire.uint64(startAt)));
  columns.duration_ns.next(first).ascii(String(duration > 0 ? duration : 0));
  columns.status_code.next(first).raw(STATUS_CODE_JSON[code] ?? STATUS_CODE_JSON[0]!);
  columns.status_message.next(first).string(bytes, statusMessage.start, statusMessage.end);
  out.spanWritten();
}

/* Status: message = 2, code = 3. The code; the message is left in `statusMessage`. */
function status(wire: Wire, end: number): number {
  let code = 0;
  while (wire.position < end) {
    const tag = wire.varint();
    if (tag >>> 3 === 2) statusMessage.read(wire, tag);
    else if (tag >>> 3 === 3) {
      wire.expect(tag, VARINT);
      code = wire.varint();
    } else wire.skip(tag);
  }
  return code;
}

/* Span.Event: time_unix_nano = 1, name = 2, attributes = 3; as `{"name":…,"timestamp_ns":…,"attributes":{…}}`. */
function spanEvent(column: JsonColumn, wire: Wire, end: number, first: boolean): void {
  const start = wire.position;
  const eventName = new Range();
  let timeAt = -1;
  while (wire.position < end) {
    const tag = wire.varint();
    if (tag >>> 3 === 1) {
      wire.expect(tag, FIXED64);
      timeAt = wire.fixed(8);
    } else if (tag >>> 3 === 2) eventName.read(wire, tag);
    else wire.skip(tag);
  }
  column.next(first).ascii('{"name":');
  column.string(wire.bytes, eventName.start, eventName.end);
  column.ascii(`,"timestamp_ns":${wire.uint64(timeAt)},"attributes":{`);
  let attributes = 0;
  wire.position = start;
  wire.each(3, end, (attributeEnd) => attribute(column, wire, attributeEnd, attributes++ === 0));
  column.ascii('}}');
}
