/*
 * JSON written as bytes, for values copied from a request without becoming JavaScript strings
 * (otlp-trace-protobuf.ts).
 */

const HEX = Buffer.from('0123456789abcdef');
/* What JSON writes for the bytes a string cannot hold as they are: quote, backslash, control characters. */
const ESCAPES = new Map(
  Array.from({ length: 256 }, (_, byte) => byte)
    .filter((byte) => byte < 0x20 || byte === 0x22 || byte === 0x5c)
    .map((byte) => [byte, Buffer.from(JSON.stringify(String.fromCharCode(byte)).slice(1, -1))]),
);

export function jsonBytes(text: string): Buffer {
  return Buffer.from(JSON.stringify(text));
}

/** One column's JSON values, comma-separated, as bytes. */
export class JsonColumn {
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
