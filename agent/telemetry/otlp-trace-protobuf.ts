import type { SpanColumns, SpanEvent, TraceSpan } from '../../contracts/index.js';
import { MalformedOtlp } from './otlp-codec.js';
import { MAX_ATTRIBUTE_DEPTH } from './otlp-schema.js';
import type { ResolveResource } from './otlp-mapping.js';

/*
 * OTLP/protobuf trace exports read straight into protocol 1.2's span columns. This is the bulk of
 * what the agent receives: the containers it deploys export `http/protobuf` (agent-telemetry.ts),
 * as OpenTelemetry SDKs do by default. Decoding to protobufjs objects, rendering them as OTLP/JSON
 * objects, validating those and mapping them cost several objects per span and most of the agent's
 * CPU; this reads each field once, from the request's bytes, into the column it belongs to.
 *
 * It keeps the receiver's rules for spans (otlp-schema.ts, otlp-mapping.ts): a span without a
 * 16-byte trace id, an 8-byte span id, a 0- or 8-byte parent id and a name, or with attribute
 * values nested deeper than MAX_ATTRIBUTE_DEPTH, is refused on its own (`partial_success`); bytes
 * that are not protobuf, or a known field in the wrong wire type, make the request malformed (400).
 * Unknown fields (links, trace state, flags, dropped counts, scopes) are skipped.
 *
 * Field numbers are opentelemetry-proto's (collector/trace/v1, trace/v1/trace.proto, common/v1).
 */

/** The spans of one request as a block, and how many were refused and why. */
export interface DecodedSpans {
  columns: SpanColumns;
  rejected: number;
  errorMessage: string | undefined;
}

type AttributeValue = TraceSpan['attributes'][string];

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;
const TWO_TO_32 = 4294967296;

const SPAN_KINDS = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const STATUS_CODES = ['unset', 'ok', 'error'] as const;
const UNKNOWN_SERVICE =
  'no Syntra service for this resource: the agent tags records by the syntra.service_id resource attribute ' +
  '(OTEL_RESOURCE_ATTRIBUTES, set in containers it deploys) or by the sending container';
const TOO_DEEP = `attribute values nest at most ${MAX_ATTRIBUTE_DEPTH} levels deep`;

/** A span the contract cannot hold: refused alone. */
class RefusedSpan extends Error {}

/** A cursor over one protobuf message's bytes. */
class Wire {
  position = 0;

  constructor(readonly bytes: Buffer) {}

  /** A varint as a number: OTLP's int64 (correctly rounded beyond 2^53), enums, tags and lengths. */
  varint(): number {
    const start = this.position;
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const byte = this.byte();
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    // Wider than 28 bits (and every negative int64): rare enough for a BigInt.
    this.position = start;
    let wide = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.byte();
      wide |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return Number(BigInt.asIntN(64, wide));
    }
    throw new MalformedOtlp('the body is not valid protobuf: a varint longer than 10 bytes');
  }

  /** Skips a fixed64 field, returning where it starts. */
  fixed64At(): number {
    return this.take(8);
  }

  /** The fixed64 at `at` as the nearest double (exact below 2^53): OTLP's times in nanoseconds. */
  uint64(at: number): number {
    return at < 0 ? 0 : this.high(at) * TWO_TO_32 + this.low(at);
  }

  high(at: number): number {
    return at < 0 ? 0 : this.bytes.readUInt32LE(at + 4);
  }

  low(at: number): number {
    return at < 0 ? 0 : this.bytes.readUInt32LE(at);
  }

  double(): number {
    return this.bytes.readDoubleLE(this.take(8));
  }

  /** A length-delimited field: its end, the cursor at its start. */
  delimited(): number {
    const length = this.varint();
    const end = this.position + length;
    if (end > this.bytes.length) throw new MalformedOtlp('the body is not valid protobuf: a field runs past the end');
    return end;
  }

  string(): string {
    const end = this.delimited();
    const text = this.bytes.toString('utf8', this.position, end);
    this.position = end;
    return text;
  }

  /** A bytes field as hex, or the byte count when it is not `length` long (0 is absent). */
  id(length: number): string | number {
    const end = this.delimited();
    const start = this.position;
    this.position = end;
    return end - start === length ? this.bytes.toString('hex', start, end) : end - start;
  }

  base64(): string {
    const end = this.delimited();
    const text = this.bytes.toString('base64', this.position, end);
    this.position = end;
    return text;
  }

  /** The wire type of `tag`, checked against the field's declared one. */
  expect(tag: number, wireType: number): void {
    if ((tag & 7) !== wireType) throw new MalformedOtlp(`the body is not valid protobuf: field ${tag >>> 3} has wire type ${tag & 7}, not ${wireType}`);
  }

  skip(tag: number): void {
    switch (tag & 7) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        this.take(8);
        return;
      case LENGTH_DELIMITED:
        this.position = this.delimited();
        return;
      case START_GROUP:
        for (let inner = this.varint(); (inner & 7) !== END_GROUP; inner = this.varint()) this.skip(inner);
        return;
      case FIXED32:
        this.take(4);
        return;
      default:
        throw new MalformedOtlp(`the body is not valid protobuf: wire type ${tag & 7}`);
    }
  }

  private byte(): number {
    if (this.position >= this.bytes.length) throw new MalformedOtlp('the body is not valid protobuf: it ends inside a field');
    return this.bytes[this.position++]!;
  }

  private take(count: number): number {
    const at = this.position;
    if (at + count > this.bytes.length) throw new MalformedOtlp('the body is not valid protobuf: it ends inside a field');
    this.position = at + count;
    return at;
  }
}

export function decodeTraceColumns(body: Buffer, resolve: ResolveResource): DecodedSpans {
  const wire = new Wire(body);
  const out = new SpanCollector();
  while (wire.position < body.length) {
    const tag = wire.varint();
    if (tag >>> 3 !== 1) wire.skip(tag);
    else {
      wire.expect(tag, LENGTH_DELIMITED);
      resourceSpans(wire, wire.delimited(), resolve, out);
    }
  }
  return { columns: out.columns, rejected: out.rejected, errorMessage: out.errorMessage };
}

class SpanCollector {
  readonly columns: SpanColumns = {
    trace_id: [],
    span_id: [],
    parent_span_id: [],
    service_id: [],
    deployment_id: [],
    operation_name: [],
    span_kind: [],
    start_time_ns: [],
    duration_ns: [],
    status_code: [],
    status_message: [],
    attributes: [],
    events: [],
  };
  rejected = 0;
  errorMessage: string | undefined;

  reject(count: number, message: string): void {
    if (count === 0) return;
    this.rejected += count;
    this.errorMessage ??= message;
  }
}

/*
 * ResourceSpans: resource = 1, scope_spans = 2. The resource names the service of every span, and
 * protobuf lets it come after them, so the spans are read once it is known.
 */
function resourceSpans(wire: Wire, end: number, resolve: ResolveResource, out: SpanCollector): void {
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
  for (const [start, scopeEnd] of scopes) {
    wire.position = start;
    scopeSpans(wire, scopeEnd, service, out);
  }
  wire.position = end;
}

/* Resource: attributes = 1. Its values as text, as otlp-mapping.ts reads them for the directory. */
function resourceAttributes(wire: Wire, end: number): Record<string, string> {
  const attributes: Record<string, string> = {};
  while (wire.position < end) {
    const tag = wire.varint();
    if (tag >>> 3 !== 1) wire.skip(tag);
    else {
      wire.expect(tag, LENGTH_DELIMITED);
      try {
        keyValue(wire, wire.delimited(), attributes, MAX_ATTRIBUTE_DEPTH);
      } catch (error) {
        if (error instanceof RefusedSpan) throw new MalformedOtlp(`not a valid ExportTraceServiceRequest: resource attributes: ${error.message}`);
        throw error;
      }
    }
  }
  for (const key of Object.keys(attributes)) attributes[key] = String(attributes[key]);
  return attributes;
}

/* ScopeSpans: spans = 2. Without a service, each span is refused unread. */
function scopeSpans(wire: Wire, end: number, service: ReturnType<ResolveResource>, out: SpanCollector): void {
  while (wire.position < end) {
    const tag = wire.varint();
    if (tag >>> 3 !== 2) {
      wire.skip(tag);
      continue;
    }
    wire.expect(tag, LENGTH_DELIMITED);
    const spanEnd = wire.delimited();
    if (!service) {
      out.reject(1, UNKNOWN_SERVICE);
      wire.position = spanEnd;
      continue;
    }
    try {
      span(wire, spanEnd, service.service_id, service.deployment_id, out.columns);
    } catch (error) {
      if (!(error instanceof RefusedSpan)) throw error;
      out.reject(1, error.message);
    }
    wire.position = spanEnd;
  }
}

/*
 * Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, kind = 6, start = 7, end = 8,
 * attributes = 9, events = 11, status = 15. Read whole before any column is written, so a refused
 * span leaves no trace.
 */
function span(wire: Wire, end: number, serviceId: string, deploymentId: string, columns: SpanColumns): void {
  let traceId: string | number = 0;
  let spanId: string | number = 0;
  let parentId: string | number = 0;
  let name = '';
  let kind = 0;
  let startAt = -1;
  let endAt = -1;
  let statusCode = 0;
  let statusMessage = '';
  const attributes: TraceSpan['attributes'] = {};
  const events: SpanEvent[] = [];
  while (wire.position < end) {
    const tag = wire.varint();
    switch (tag >>> 3) {
      case 1:
        wire.expect(tag, LENGTH_DELIMITED);
        traceId = wire.id(16);
        break;
      case 2:
        wire.expect(tag, LENGTH_DELIMITED);
        spanId = wire.id(8);
        break;
      case 4:
        wire.expect(tag, LENGTH_DELIMITED);
        parentId = wire.id(8);
        break;
      case 5:
        wire.expect(tag, LENGTH_DELIMITED);
        name = wire.string();
        break;
      case 6:
        wire.expect(tag, VARINT);
        kind = wire.varint();
        break;
      case 7:
        wire.expect(tag, FIXED64);
        startAt = wire.fixed64At();
        break;
      case 8:
        wire.expect(tag, FIXED64);
        endAt = wire.fixed64At();
        break;
      case 9:
        wire.expect(tag, LENGTH_DELIMITED);
        keyValue(wire, wire.delimited(), attributes, MAX_ATTRIBUTE_DEPTH);
        break;
      case 11:
        wire.expect(tag, LENGTH_DELIMITED);
        events.push(spanEvent(wire, wire.delimited()));
        break;
      case 15: {
        wire.expect(tag, LENGTH_DELIMITED);
        [statusCode, statusMessage] = status(wire, wire.delimited());
        break;
      }
      default:
        wire.skip(tag);
    }
  }
  if (typeof traceId === 'number') throw new RefusedSpan(`traceId: a trace id is 16 bytes, not ${traceId}`);
  if (typeof spanId === 'number') throw new RefusedSpan(`spanId: a span id is 8 bytes, not ${spanId}`);
  if (typeof parentId === 'number' && parentId !== 0) throw new RefusedSpan(`parentSpanId: a span id is 8 bytes, not ${parentId}`);
  if (name === '') throw new RefusedSpan('name: a span needs a name');
  // Exact to the nanosecond: the halves' differences are exact, and their sum is rounded once.
  const duration = (wire.high(endAt) - wire.high(startAt)) * TWO_TO_32 + (wire.low(endAt) - wire.low(startAt));
  columns.trace_id.push(traceId);
  columns.span_id.push(spanId);
  columns.parent_span_id.push(typeof parentId === 'string' ? parentId : '');
  columns.service_id.push(serviceId);
  columns.deployment_id.push(deploymentId);
  columns.operation_name.push(name);
  columns.span_kind.push(SPAN_KINDS[kind] ?? 'internal');
  columns.start_time_ns.push(wire.uint64(startAt));
  columns.duration_ns.push(duration > 0 ? duration : 0);
  columns.status_code.push(STATUS_CODES[statusCode] ?? 'unset');
  columns.status_message.push(statusMessage);
  columns.attributes.push(attributes);
  columns.events.push(events);
}

/* Status: message = 2, code = 3. */
function status(wire: Wire, end: number): [number, string] {
  let code = 0;
  let message = '';
  while (wire.position < end) {
    const tag = wire.varint();
    if (tag >>> 3 === 2) {
      wire.expect(tag, LENGTH_DELIMITED);
      message = wire.string();
    } else if (tag >>> 3 === 3) {
      wire.expect(tag, VARINT);
      code = wire.varint();
    } else wire.skip(tag);
  }
  return [code, message];
}

/* Span.Event: time_unix_nano = 1, name = 2, attributes = 3. */
function spanEvent(wire: Wire, end: number): SpanEvent {
  const event: SpanEvent = { name: '', timestamp_ns: 0, attributes: {} };
  while (wire.position < end) {
    const tag = wire.varint();
    const field = tag >>> 3;
    if (field === 1) {
      wire.expect(tag, FIXED64);
      event.timestamp_ns = wire.uint64(wire.fixed64At());
    } else if (field === 2) {
      wire.expect(tag, LENGTH_DELIMITED);
      event.name = wire.string();
    } else if (field === 3) {
      wire.expect(tag, LENGTH_DELIMITED);
      keyValue(wire, wire.delimited(), event.attributes, MAX_ATTRIBUTE_DEPTH);
    } else wire.skip(tag);
  }
  return event;
}

/* KeyValue: key = 1, value = 2. A later key wins, as in OTLP/JSON's mapping. */
function keyValue(wire: Wire, end: number, into: Record<string, AttributeValue>, depth: number): void {
  let key = '';
  let value: AttributeValue = '';
  while (wire.position < end) {
    const tag = wire.varint();
    const field = tag >>> 3;
    if (field === 1) {
      wire.expect(tag, LENGTH_DELIMITED);
      key = wire.string();
    } else if (field === 2) {
      wire.expect(tag, LENGTH_DELIMITED);
      value = anyValue(wire, wire.delimited(), depth);
    } else wire.skip(tag);
  }
  into[key] = value;
}

/*
 * AnyValue: string = 1, bool = 2, int = 3, double = 4, array = 5, kvlist = 6, bytes = 7, the
 * last one set winning. As in otlp-mapping.ts: doubles JSON cannot hold as text, arrays and maps as
 * JSON text, bytes as base64, nothing set as ''.
 */
function anyValue(wire: Wire, end: number, depth: number): AttributeValue {
  let value: AttributeValue = '';
  while (wire.position < end) {
    const tag = wire.varint();
    switch (tag >>> 3) {
      case 1:
        wire.expect(tag, LENGTH_DELIMITED);
        value = wire.string();
        break;
      case 2:
        wire.expect(tag, VARINT);
        value = wire.varint() !== 0;
        break;
      case 3:
        wire.expect(tag, VARINT);
        value = wire.varint();
        break;
      case 4: {
        wire.expect(tag, FIXED64);
        const double = wire.double();
        value = Number.isFinite(double) ? double : String(double);
        break;
      }
      case 5:
        wire.expect(tag, LENGTH_DELIMITED);
        value = JSON.stringify(nested(wire, wire.delimited(), depth, (inner, list: AttributeValue[]) => list.push(anyValue(wire, inner, depth - 1)), []));
        break;
      case 6:
        wire.expect(tag, LENGTH_DELIMITED);
        value = JSON.stringify(nested(wire, wire.delimited(), depth, (inner, map: Record<string, AttributeValue>) => keyValue(wire, inner, map, depth - 1), {}));
        break;
      case 7:
        wire.expect(tag, LENGTH_DELIMITED);
        value = wire.base64();
        break;
      default:
        wire.skip(tag);
    }
  }
  return value;
}

/* ArrayValue and KeyValueList: values = 1, read into `into` one by one, refused beyond the nesting bound. */
function nested<Into>(wire: Wire, end: number, depth: number, read: (valueEnd: number, into: Into) => void, into: Into): Into {
  while (wire.position < end) {
    const tag = wire.varint();
    if (tag >>> 3 !== 1) {
      wire.skip(tag);
      continue;
    }
    wire.expect(tag, LENGTH_DELIMITED);
    if (depth === 0) throw new RefusedSpan(`attributes: ${TOO_DEEP}`);
    read(wire.delimited(), into);
  }
  return into;
}
