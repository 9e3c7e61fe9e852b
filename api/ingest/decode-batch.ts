import zstd from 'zstd-napi/binding.js';
import { z } from 'zod';
import { ErrorEvent, HealthCheckResult, TelemetryData, type TelemetryBatchPayload } from '../../contracts/index.js';

/**
 * Limits for one batch's decompressed JSON. The agent's frames are at most 8 MiB of base64, and
 * telemetry JSON compresses about 10:1, so 128 MiB leaves room for honest batches and stops a
 * zip bomb before it fills the heap. A 16 MiB window is more than zstd's default levels use.
 */
export const maxDecompressedBatchBytes = 128 * 1024 * 1024;
const maxWindowLog = 24;

/* zod generates a parser for the contract's schema: the same answers, about half the cost per record. */
const CompiledTelemetryData = z.compile(TelemetryData);
const ErrorEvents = z.compile(z.array(ErrorEvent));
const HealthCheckResults = z.compile(z.array(HealthCheckResult));

export type DecodedBatch = { ok: true; data: TelemetryData } | { ok: false; reason: string };

/** The batch's `TelemetryData`, or why it can never be stored (the agent should drop it). */
export function decodeBatch(payload: TelemetryBatchPayload): DecodedBatch {
  if (payload.compression === 'none') return { ok: true, data: payload.data };
  let json: string;
  try {
    json = decompress(Buffer.from(payload.data, 'base64')).toString('utf8');
  } catch (error) {
    return { ok: false, reason: `data is not zstd: ${(error as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'decompressed data is not JSON' };
  }
  if (!CompiledTelemetryData.validate(raw)) {
    const issue = CompiledTelemetryData.safeParse(raw).error?.issues[0];
    return { ok: false, reason: `decompressed data is not TelemetryData: ${issue?.path.join('.')}: ${issue?.message}` };
  }
  /*
   * Checked without building a copy of every record (half of a batch's garbage): spans, logs and
   * metrics are read field by field into rows, so keys the contract does not know never reach
   * storage. Errors and health checks are stored nearly whole, so a parse drops their unknown keys.
   */
  return { ok: true, data: { ...raw, errors: ErrorEvents.parse(raw.errors), health_checks: HealthCheckResults.parse(raw.health_checks) } };
}

/*
 * Streaming decompression with a running total: the frame header's content size is the sender's
 * claim, so it is never used to allocate.
 */
function decompress(input: Buffer): Buffer {
  const context = new zstd.DCtx();
  context.setParameter(zstd.DParameter.windowLogMax, maxWindowLog);
  const chunks: Buffer[] = [];
  let total = 0;
  let remaining: Uint8Array = input;
  let pending = 1;
  while (remaining.length > 0 || pending !== 0) {
    const chunk = Buffer.allocUnsafe(zstd.dStreamOutSize());
    const [left, produced, consumed] = context.decompressStream(chunk, remaining);
    if (produced === 0 && consumed === 0) throw new Error('truncated frame');
    total += produced;
    if (total > maxDecompressedBatchBytes) throw new Error(`more than ${maxDecompressedBatchBytes} bytes decompressed`);
    chunks.push(chunk.subarray(0, produced));
    remaining = remaining.subarray(consumed);
    pending = left;
  }
  return Buffer.concat(chunks, total);
}
