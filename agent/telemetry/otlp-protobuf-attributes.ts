import type { TraceSpan } from '../../contracts/index.js';
import type { JsonColumn } from './json-column.js';
import { MalformedOtlp } from './otlp-codec.js';
import { MAX_ATTRIBUTE_DEPTH } from './otlp-schema.js';
import { FIXED64, LENGTH_DELIMITED, Range, VARINT, type Wire } from './protobuf-wire.js';

/*
 * OTLP/protobuf attributes (KeyValue, AnyValue: common/v1/common.proto) for otlp-trace-protobuf.ts,
 * read as the OTLP/JSON mapping reads them (otlp-mapping.ts): the last field set wins, doubles
 * JSON cannot hold and arrays and maps as JSON text, bytes as base64, nothing set as ''; values
 * nested deeper than MAX_ATTRIBUTE_DEPTH refuse their span.
 */

type AttributeValue = TraceSpan['attributes'][string];

/** A span the contract cannot hold: refused alone. */
export class RefusedSpan extends Error {}

const TOO_DEEP = `attribute values nest at most ${MAX_ATTRIBUTE_DEPTH} levels deep`;

/* Resource: attributes = 1. Its values as text, as otlp-mapping.ts reads them for the service tagger. */
export function resourceAttributes(wire: Wire, end: number): Record<string, string> {
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

/*
 * A KeyValue as `"key":value`. A later key wins when the JSON is read, as in the OTLP/JSON
 * mapping. A string value, the usual kind, is copied from the request's bytes.
 */
export function attribute(column: JsonColumn, wire: Wire, end: number, first: boolean): void {
  const key = new Range();
  const value = new Range();
  keyValue(wire, end, key, value);
  column.next(first).string(wire.bytes, key.start, key.end);
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
  key.clear();
  value.clear();
  while (wire.position < end) {
    const tag = wire.varint();
    if (tag >>> 3 === 1) key.read(wire, tag);
    else if (tag >>> 3 === 2) value.read(wire, tag);
    else wire.skip(tag);
  }
}

function textOf(wire: Wire, range: Range): string {
  return wire.bytes.toString('utf8', range.start, range.end);
}

/*
 * AnyValue: string = 1, bool = 2, int = 3, double = 4, array = 5, kvlist = 6, bytes = 7, the last
 * one set winning; absent, or nothing set, is ''. Arrays and maps of values are refused beyond
 * `depth` levels.
 */
function valueOf(wire: Wire, range: Range, depth: number): AttributeValue {
  let value: AttributeValue = '';
  for (wire.position = range.start; wire.position < range.end; ) {
    const tag = wire.varint();
    switch (tag >>> 3) {
      case 1:
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
        // Each leaves the cursor at the end of the value it reads, where this loop goes on.
        const inner = readRange(wire, tag);
        value = JSON.stringify(tag >>> 3 === 5 ? arrayOf(wire, inner, depth) : mapOf(wire, inner, depth));
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
function arrayOf(wire: Wire, range: Range, depth: number): (AttributeValue)[] {
  const values: (AttributeValue)[] = [];
  wire.position = range.start;
  wire.each(1, range.end, (elementEnd) => {
    if (depth === 0) throw new RefusedSpan(`attributes: ${TOO_DEEP}`);
    values.push(valueOf(wire, new Range(wire.position, elementEnd), depth - 1));
  });
  return values;
}

/* KeyValueList: values = 1, each a KeyValue. */
function mapOf(wire: Wire, range: Range, depth: number): Record<string, AttributeValue> {
  const map: Record<string, AttributeValue> = {};
  wire.position = range.start;
  wire.each(1, range.end, (entryEnd) => {
    if (depth === 0) throw new RefusedSpan(`attributes: ${TOO_DEEP}`);
    const [key, value] = [new Range(), new Range()];
    keyValue(wire, entryEnd, key, value);
    map[textOf(wire, key)] = valueOf(wire, value, depth - 1);
  });
  return map;
}
