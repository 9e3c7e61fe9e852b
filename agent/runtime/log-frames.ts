/*
 * Docker multiplexes a non-TTY container's stdout and stderr into one stream of frames:
 * an 8-byte header (byte 0: 1 = stdout, 2 = stderr; bytes 4–7: payload length, big-endian)
 * followed by the payload. Decoding the frames ourselves keeps the two streams in their
 * original order, which two demultiplexed Node streams would not.
 */

const HEADER_BYTES = 8;

export type LogStreamName = 'stdout' | 'stderr';

export interface DecodedLogLine {
  stream: LogStreamName;
  /** With `timestamps: true` Docker prefixes every line with its RFC 3339 time; null otherwise. */
  timestamp: string | null;
  line: string;
}

/** Incremental decoder: feed chunks as they arrive, get whole lines back. */
export class LogFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<LogStreamName, string> = { stdout: '', stderr: '' };

  constructor(private readonly withTimestamps: boolean) {}

  push(chunk: Buffer): DecodedLogLine[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const lines: DecodedLogLine[] = [];
    while (this.pending.length >= HEADER_BYTES) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER_BYTES + size) break;
      const stream: LogStreamName = this.pending[0] === 2 ? 'stderr' : 'stdout';
      const text = this.partial[stream] + this.pending.subarray(HEADER_BYTES, HEADER_BYTES + size).toString('utf8');
      this.pending = this.pending.subarray(HEADER_BYTES + size);
      const pieces = text.split('\n');
      this.partial[stream] = pieces.pop() ?? '';
      for (const piece of pieces) lines.push(this.toLine(stream, piece));
    }
    return lines;
  }

  /** Lines left without a trailing newline when the stream ended. */
  flush(): DecodedLogLine[] {
    const lines: DecodedLogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') lines.push(this.toLine(stream, this.partial[stream]));
      this.partial[stream] = '';
    }
    return lines;
  }

  private toLine(stream: LogStreamName, raw: string): DecodedLogLine {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!this.withTimestamps) return { stream, timestamp: null, line: text };
    const space = text.indexOf(' ');
    return space === -1
      ? { stream, timestamp: text, line: '' }
      : { stream, timestamp: text.slice(0, space), line: text.slice(space + 1) };
  }
}

/** Decodes a whole (non-follow) log response. */
export function decodeLogBuffer(buffer: Buffer, withTimestamps: boolean): DecodedLogLine[] {
  const decoder = new LogFrameDecoder(withTimestamps);
  return [...decoder.push(buffer), ...decoder.flush()];
}
