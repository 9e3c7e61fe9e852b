import type { SpanColumns } from '../../contracts/index.js';
import { MalformedOtlp } from './otlp-codec.js';
import { Refusals, SPAN_KINDS, STATUS_CODES, UNKNOWN_SERVICE, type ResolveResource } from './otlp-mapping.js';
import { MAX_ATTRIBUTE_DEPTH } from './otlp-schema.js';
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
 * Unknown fields (links, trace state, flags, dropped counts, scopes) are skipped. Values are
 * written as the JSON mapping writes them: a later field or attribute key wins, doubles JSON
 * cannot hold and arrays and maps as JSON text, bytes as base64, an empty value as ''.
 *
 * Field numbers are opentelemetry-proto's (collector/trace/v1, trace/v1/trace.proto, common/v1).
 */

/** The spans of one request as blocks of columns' JSON, and how many were refused and why. */
export interface DecodedSpans {
  blocks: SpanColumnsJson[];
  rejected: number;
  errorMessage: string | undefined;
}

/* Blocks stay well under a batch (spool.ts), so the journal never has to split one. */
const MAX_BLOCK_BYTES = 1024 * 1024;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;
const TWO_TO_32 = 4294967296;

const SPAN_KIND_JSON = SPAN_KINDS.map(jsonBytes);
const STATUS_CODE_JSON = STATUS_CODES.map(jsonBytes);
const TOO_DEEP = `attribute values nest at most ${MAX_ATTRIBUTE_DEPTH} levels deep`;

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

const HEX = Buffer.from('0123456789abcdef');
/* What JSON writes for the bytes a string cannot hold as they are: quote, backslash, control characters. */
const ESCAPES = new Map(
  Array.from({ length: 256 }, (_, byte) => byte)
    .filter((byte) => byte < 0x20 || byte === 0x22 || byte === 0x5c)
    .map((byte) => [byte, Buffer.from(JSON.stringify(String.fromCharCode(byte)).slice(1, -1))]),
);

function jsonBytes(text: string): Buffer {
  return Buffer.from(JSON.stringify(text));
}

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

  /** Skips a fixed-width field, returning where it starts. */
  fixed(width: 4 | 8): number {
    const at = this.position;
    if (at + width > this.bytes.length) throw new MalformedOtlp('the body is not valid protobuf: it ends inside a field');
    this.position = at + width;
    return at;
  }

  /** The fixed64 at `at` as the nearest double (exact below 2^53): OTLP's times in nanoseconds. */
  uint64(at: number): number {
    return this.high(at) * TWO_TO_32 + this.low(at);
  }

  high(at: number): number {
    return at < 0 ? 0 : this.bytes.readUInt32LE(at + 4);
  }

  low(at: number): number {
    return at < 0 ? 0 : this.bytes.readUInt32LE(at);
  }

  /** A length-delimited field: its end, the cursor at its start. */
  delimited(): number {
    const length = this.varint();
    const end = this.position + length;
    if (end > this.bytes.length) throw new MalformedOtlp('the body is not valid protobuf: a field runs past the end');
    return end;
  }

  /**
   * Visits each occurrence of the length-delimited `field` before `end`, skipping other fields:
   * `visit` gets the occurrence's end with the cursor at its start, and may leave the cursor anywhere.
   */
  each(field: number, end: number, visit: (fieldEnd: number) => void): void {
    while (this.position < end) {
      const tag = this.varint();
      if (tag >>> 3 !== field) {
        this.skip(tag);
        continue;
      }
      this.expect(tag, LENGTH_DELIMITED);
      const fieldEnd = this.delimited();
      visit(fieldEnd);
      this.position = fieldEnd;
    }
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
        this.fixed(8);
        return;
      case LENGTH_DELIMITED:
        this.position = this.delimited();
        return;
      case START_GROUP:
        for (let inner = this.varint(); (inner & 7) !== END_GROUP; inner = this.varint()) this.skip(inner);
        return;
      case FIXED32:
        this.fixed(4);
        return;
      default:
        throw new MalformedOtlp(`the body is not valid protobuf: wire type ${tag & 7}`);
    }
  }

  private byte(): number {
    if (this.position >= this.bytes.length) throw new MalformedOtlp('the body is not valid protobuf: it ends inside a field');
    return this.bytes[this.position++]!;
  }
}

/** A length-delimited field's content: where it starts and ends in the request, or absent (-1). */
class Range {
  start = -1;
  end = -1;

  read(wire: Wire, tag: number): void {
    wire.expect(tag, LENGTH_DELIMITED);
    this.end = wire.delimited();
    this.start = wire.position;
    wire.position = this.end;
  }

  get length(): number {
    return this.end - this.start;
  }
}

/** One column's JSON values, comma-separated, as bytes. */
class Column {
  bytes = Buffer.allocUnsafe(16 * 1024);
  length = 0;

  reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + count));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  /** Text of ASCII characters only, as it is. Short texts: a loop costs less than a call into Buffer's native code. */
  ascii(text: string): void {
    this.reserve(text.length);
    const bytes = this.bytes;
    let at = this.length;
    for (let index = 0; index < text.length; index += 1) bytes[at++] = text.charCodeAt(index);
    this.length = at;
  }

  /** Any text, as a JSON string. */
  text(text: string): void {
    const json = JSON.stringify(text);
    this.reserve(Buffer.byteLength(json));
    this.length += this.bytes.write(json, this.length, 'utf8');
  }

  /** UTF-8 from the request, as a JSON string. */
  string(source: Buffer, start: number, end: number): void {
    this.reserve((end - start) * 6 + 2);
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = 0x22;
    for (let index = start; index < end; index += 1) {
      const byte = source[index]!;
      if (byte >= 0x20 && byte !== 0x22 && byte !== 0x5c) bytes[at++] = byte;
      else at += ESCAPES.get(byte)!.copy(bytes, at);
    }
    bytes[at++] = 0x22;
    this.length = at;
  }

  /** Bytes from the request, as a JSON string of lower-case hex. */
  hex(source: Buffer, start: number, end: number): void {
    this.reserve((end - start) * 2 + 2);
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = 0x22;
    for (let index = start; index < end; index += 1) {
      const byte = source[index]!;
      bytes[at++] = HEX[byte >> 4]!;
      bytes[at++] = HEX[byte & 15]!;
    }
    bytes[at++] = 0x22;
    this.length = at;
  }

  /** Bytes as they are. Short ones: a loop costs less than a call into Buffer's native code. */
  raw(source: Uint8Array): void {
    this.reserve(source.length);
    const bytes = this.bytes;
    let at = this.length;
    for (let index = 0; index < source.length; index += 1) bytes[at++] = source[index]!;
    this.length = at;
  }

  /** Ready for the next value: after a comma unless it is the block's first. */
  next(first: boolean): this {
    if (!first) {
      this.reserve(1);
      this.bytes[this.length++] = 0x2c;
    }
    return this;
  }
}

/*
 * The columns' buffers, grown to the largest block and kept: a request is decoded in one
 * synchronous call, and each block is copied out of them when it is closed.
 */
const columnBuffers = Object.fromEntries(COLUMNS.map((name) => [name, new Column()])) as Record<keyof SpanColumns, Column>;

/** Spans written column by column into blocks of at most MAX_BLOCK_BYTES. */
class BlockWriter extends Refusals {
  readonly blocks: SpanColumnsJson[] = [];
  readonly columns = columnBuffers;
  private readonly inOrder = COLUMNS.map((name) => this.columns[name]);
  spans = 0;

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
  for (const column of Object.values(out.columns)) column.length = 0;
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
  for (const [start, scopeEnd] of scopes) {
    wire.position = start;
    scopeSpans(wire, scopeEnd, service && { serviceId: jsonBytes(service.service_id), deploymentId: jsonBytes(service.deployment_id) }, out);
  }
  wire.position = end;
}

/** The service's ids, as the JSON every span of a resource repeats. */
interface ServiceJson {
  serviceId: Buffer;
  deploymentId: Buffer;
}

/* Resource: attributes = 1. Its values as text, as otlp-mapping.ts reads them for the directory. */
function resourceAttributes(wire: Wire, end: number): Record<string, string> {
  const attributes: Record<string, string> = {};
  const key = new Range();
  const value = new Range();
  wire.each(1, end, (attributeEnd) => {
    keyValue(wire, attributeEnd, key, value);
    try {
      attributes[textOf(wire, key)] = String(valueOf(wire, value, MAX_ATTRIBUTE_DEPTH));
    } catch (error) {
      if (error instanceof RefusedSpan) throw new MalformedOtlp(`not a valid ExportTraceServiceRequest: resource attributes: ${error.message}`);
      throw error;
    }
  });
  return attributes;
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
  traceId.start = traceId.end = spanId.start = spanId.end = parentId.start = parentId.end = -1;
  name.start = name.end = statusMessage.start = statusMessage.end = -1;
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
    if (traceId.length !== 16) throw new RefusedSpan(`traceId: a trace id is 16 bytes, not ${Math.max(traceId.length, 0)}`);
    if (spanId.length !== 8) throw new RefusedSpan(`spanId: a span id is 8 bytes, not ${Math.max(spanId.length, 0)}`);
    if (parentId.length > 0 && parentId.length !== 8) throw new RefusedSpan(`parentSpanId: a span id is 8 bytes, not ${parentId.length}`);
    if (name.length <= 0) throw new RefusedSpan('name: a span needs a name');
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
  columns.parent_span_id.next(first).hex(bytes, Math.max(parentId.start, 0), Math.max(parentId.end, 0));
  columns.service_id.next(first).raw(service.serviceId);
  columns.deployment_id.next(first).raw(service.deploymentId);
  columns.operation_name.next(first).string(bytes, name.start, name.end);
  columns.span_kind.next(first).raw(SPAN_KIND_JSON[kind] ?? SPAN_KIND_JSON[0]!);
  columns.start_time_ns.next(first).ascii(String(wire.uint64(startAt)));
  columns.duration_ns.next(first).ascii(String(duration > 0 ? duration : 0));
  columns.status_code.next(first).raw(STATUS_CODE_JSON[code] ?? STATUS_CODE_JSON[0]!);
  columns.status_message.next(first).string(bytes, Math.max(statusMessage.start, 0), Math.max(statusMessage.end, 0));
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
function spanEvent(column: Column, wire: Wire, end: number, first: boolean): void {
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
  column.string(wire.bytes, Math.max(eventName.start, 0), Math.max(eventName.end, 0));
  column.ascii(`,"timestamp_ns":${wire.uint64(timeAt)},"attributes":{`);
  let attributes = 0;
  wire.position = start;
  wire.each(3, end, (attributeEnd) => attribute(column, wire, attributeEnd, attributes++ === 0));
  column.ascii('}}');
}

/*
 * A KeyValue as `"key":value`. A later key wins when the JSON is read, as in the OTLP/JSON
 * mapping. A string value, the usual kind, is copied from the request's bytes.
 */
function attribute(column: Column, wire: Wire, end: number, first: boolean): void {
  const key = new Range();
  const value = new Range();
  keyValue(wire, end, key, value);
  column.next(first).string(wire.bytes, Math.max(key.start, 0), Math.max(key.end, 0));
  column.ascii(':');
  const text = stringValue(wire, value);
  if (text) column.string(wire.bytes, text.start, text.end);
  else {
    const scalar = valueOf(wire, value, MAX_ATTRIBUTE_DEPTH);
    if (typeof scalar === 'string') column.text(scalar);
    else column.ascii(String(scalar));
  }
  wire.position = end;
}

/* The AnyValue's string, when that is the field it sets last. */
function stringValue(wire: Wire, value: Range): Range | null {
  let text: Range | null = null;
  for (wire.position = value.start; wire.position < value.end; ) {
    const tag = wire.varint();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === LENGTH_DELIMITED) text = readRange(wire, tag);
    else {
      if (field >= 1 && field <= 7) text = null;
      wire.skip(tag);
    }
  }
  return text;
}

/* KeyValue: key = 1, value = 2. */
function keyValue(wire: Wire, end: number, key: Range, value: Range): void {
  key.start = key.end = value.start = value.end = -1;
  while (wire.position < end) {
    const tag = wire.varint();
    if (tag >>> 3 === 1) key.read(wire, tag);
    else if (tag >>> 3 === 2) value.read(wire, tag);
    else wire.skip(tag);
  }
}

function textOf(wire: Wire, range: Range): string {
  return range.start < 0 ? '' : wire.bytes.toString('utf8', range.start, range.end);
}

/*
 * AnyValue: string = 1, bool = 2, int = 3, double = 4, array = 5, kvlist = 6, bytes = 7, the last
 * one set winning; absent, or nothing set, is ''. Arrays and maps of values are refused beyond
 * `depth` levels.
 */
function valueOf(wire: Wire, range: Range, depth: number): string | number | boolean {
  let value: string | number | boolean = '';
  for (wire.position = range.start; wire.position < range.end; ) {
    const tag = wire.varint();
    switch (tag >>> 3) {
      case 1:
        wire.expect(tag, LENGTH_DELIMITED);
        value = textOf(wire, readRange(wire, tag));
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
        const double = wire.bytes.readDoubleLE(wire.fixed(8));
        value = Number.isFinite(double) ? double : String(double);
        break;
      }
      case 5:
      case 6: {
        const inner = readRange(wire, tag);
        const resume = wire.position;
        value = JSON.stringify(tag >>> 3 === 5 ? arrayOf(wire, inner, depth) : mapOf(wire, inner, depth));
        wire.position = resume;
        break;
      }
      case 7: {
        const bytes = readRange(wire, tag);
        value = wire.bytes.toString('base64', bytes.start, bytes.end);
        break;
      }
      default:
        wire.skip(tag);
    }
  }
  return value;
}

function readRange(wire: Wire, tag: number): Range {
  const range = new Range();
  range.read(wire, tag);
  return range;
}

/* ArrayValue: values = 1. */
function arrayOf(wire: Wire, range: Range, depth: number): (string | number | boolean)[] {
  const values: (string | number | boolean)[] = [];
  wire.position = range.start;
  wire.each(1, range.end, (elementEnd) => {
    if (depth === 0) throw new RefusedSpan(`attributes: ${TOO_DEEP}`);
    const element = new Range();
    [element.start, element.end] = [wire.position, elementEnd];
    values.push(valueOf(wire, element, depth - 1));
  });
  return values;
}

/* KeyValueList: values = 1, each a KeyValue. */
function mapOf(wire: Wire, range: Range, depth: number): Record<string, string | number | boolean> {
  const map: Record<string, string | number | boolean> = {};
  wire.position = range.start;
  wire.each(1, range.end, (entryEnd) => {
    if (depth === 0) throw new RefusedSpan(`attributes: ${TOO_DEEP}`);
    const [key, value] = [new Range(), new Range()];
    keyValue(wire, entryEnd, key, value);
    map[textOf(wire, key)] = valueOf(wire, value, depth - 1);
  });
  return map;
}
