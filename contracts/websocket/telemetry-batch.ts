import { z } from 'zod';
import { Uuid } from '../primitives.js';
import { TelemetryData } from '../telemetry/records.js';
import { CommandError } from './commands.js';
import { AgentProtocolId } from './ids.js';

const BASE64_ALPHABET = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_ALPHABET[char.charCodeAt(0)] = 1;
const PAD = 0x3d;

/*
 * Standard base64 with its padding. A loop over a lookup table: a batch is hundreds of kilobytes
 * of base64, which the equivalent regular expression took five times as long to check.
 */
function isBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  let end = text.length;
  if (text.charCodeAt(end - 1) === PAD) end -= text.charCodeAt(end - 2) === PAD ? 2 : 1;
  for (let index = 0; index < end; index += 1) {
    const code = text.charCodeAt(index);
    if (code > 127 || BASE64_ALPHABET[code] === 0) return false;
  }
  return true;
}

const batchFields = {
  batch_id: Uuid,
  agent_id: AgentProtocolId,
};

/* A union on `compression` so a compressed batch can never carry an object, nor a plain one a string. */
export const TelemetryBatchPayload = z.discriminatedUnion('compression', [
  z.object({
    ...batchFields,
    compression: z.literal('zstd'),
    data: z.string().min(4).refine(isBase64, 'must be base64').meta({ contentEncoding: 'base64' }).describe('Base64 of the zstd-compressed JSON of a TelemetryData'),
  }),
  z.object({
    ...batchFields,
    compression: z.literal('none'),
    data: TelemetryData,
  }),
]);
export type TelemetryBatchPayload = z.infer<typeof TelemetryBatchPayload>;

/*
 * Protocol 1.1 (ARCHITECTURE correction 3): the agent keeps a batch in its on-disk buffer until
 * this arrives. Never sent to agents that negotiated 1.0.
 */
export const TelemetryAckPayload = z.discriminatedUnion('accepted', [
  z.object({ batch_id: Uuid, accepted: z.literal(true) }),
  z.object({
    batch_id: Uuid,
    accepted: z.literal(false),
    error: CommandError.describe(
      'VALIDATION_ERROR: the batch can never be stored, drop it; any other code: keep it and resend later',
    ),
  }),
]);
export type TelemetryAckPayload = z.infer<typeof TelemetryAckPayload>;
