import { MalformedOtlp } from './otlp-codec.js';

/* Protobuf's wire format (protobuf.dev/programming-guides/encoding), as the OTLP decoders read it. */

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;
export const TWO_TO_32 = 4294967296;

/** A cursor over one protobuf message's bytes. Bytes that are not protobuf throw MalformedOtlp (400). */
export class Wire {
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

  /** The fixed64 at `at` (-1: absent, 0) as the nearest double (exact below 2^53): OTLP's times in nanoseconds. */
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

/**
 * A length-delimited field's content: where it starts and ends in the message. Absent is empty,
 * as protobuf has it: an unset string or bytes field reads as ''.
 */
export class Range {
  constructor(
    public start = 0,
    public end = 0,
  ) {}

  read(wire: Wire, tag: number): void {
    wire.expect(tag, LENGTH_DELIMITED);
    this.end = wire.delimited();
    this.start = wire.position;
    wire.position = this.end;
  }

  clear(): void {
    this.start = this.end = 0;
  }

  get length(): number {
    return this.end - this.start;
  }
}
