import { z } from 'zod';
import { Uuid } from '../primitives.js';
import { TelemetryData } from '../telemetry/records.js';
import { CommandError } from './commands.js';
import { AgentProtocolId } from './ids.js';

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const batchFields = {
  batch_id: Uuid,
  agent_id: AgentProtocolId,
};

/* A union on `compression` so a compressed batch can never carry an object, nor a plain one a string. */
export const TelemetryBatchPayload = z.discriminatedUnion('compression', [
  z.object({
    ...batchFields,
    compression: z.literal('zstd'),
    data: z.string().min(4).regex(BASE64_PATTERN).describe('Base64 of the zstd-compressed JSON of a TelemetryData'),
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
