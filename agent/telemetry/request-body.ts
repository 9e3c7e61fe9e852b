import type { IncomingMessage } from 'node:http';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';

/** OTLP/HTTP and Sentry bodies above this, compressed or not, are refused with 413. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The request body, decompressed (gzip or deflate). Both the bytes on the wire and the bytes
 * after decompression are capped at MAX_BODY_BYTES, so a small zip bomb is refused as early as
 * a big plain body: zlib stops inflating at the cap.
 */
export async function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip' && encoding !== 'deflate') throw new BodyError(415, `unsupported Content-Encoding: ${encoding}`);
  try {
    return await (encoding === 'gzip' ? gunzipAsync : inflateAsync)(raw, { maxOutputLength: MAX_BODY_BYTES });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new BodyError(400, `the body is not valid ${encoding}`);
  }
}

function tooLarge(): BodyError {
  return new BodyError(413, `the body exceeds ${MAX_BODY_BYTES} bytes (after decompression too)`);
}
