import zstd from 'zstd-napi/binding.js';
import type { z } from 'zod';
import { compiledOnFirstUse } from '../../contracts/compiled.js';
import { TelemetryData, type TelemetryBatchPayload } from '../../contracts/index.js';

/**
 * Limits for one batch's decompressed JSON. The agent's frames are at most 8 MiB of base64, and
 * telemetry JSON compresses about 10:1, so 128 MiB leaves room for honest batches and stops a
 * zip bomb before it fills the heap. A 16 MiB window is more than zstd's default levels use.
 */
export const maxDecompressedBatchBytes = 128 * 1024 * 1024;
const maxWindowLog = 24;

/*
 * Every record is checked once. Errors and health checks are stored nearly whole, so they are
 * parsed, which drops keys the contract does not know. Spans (records and columns), logs and
 * metrics are read field by field into rows and columns, so unknown keys never reach storage: they
 * are only checked, without a copy of every record (half a batch's garbage).
 */
const StoredWhole = compiledOnFirstUse(TelemetryData.pick({ errors: true, health_checks: true }));
const ReadIntoRows = compiledOnFirstUse(TelemetryData.pick({ traces: true, logs: true, metrics: true, span_columns: true }));

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
  const whole = StoredWhole.safeParse(raw);
  if (!whole.success) return notTelemetryData(whole.error);
  if (!ReadIntoRows.validate(raw)) return notTelemetryData(ReadIntoRows.safeParse(raw).error!);
  return { ok: true, data: { traces: raw.traces, logs: raw.logs, metrics: raw.metrics, span_columns: raw.span_columns, ...whole.data } };
}

function notTelemetryData(error: z.ZodError): DecodedBatch {
  const issue = error.issues[0];
  return { ok: false, reason: `decompressed data is not TelemetryData: ${issue?.path.join('.')}: ${issue?.message}` };
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
