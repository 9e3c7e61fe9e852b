import { z } from 'zod';
import { IsoDateTime } from '../primitives.js';
import { defineMessage } from './envelope.js';

/** Application-level liveness probe; the pong echoes the ping's nonce and stamps its own `sent_at`. */
export const PingPayload = z.object({
  nonce: z.string().min(1).max(64),
  sent_at: IsoDateTime,
});
export type PingPayload = z.infer<typeof PingPayload>;

export const PongPayload = PingPayload;
export type PongPayload = z.infer<typeof PongPayload>;

export const PingMessage = defineMessage('ping', PingPayload, 'Either direction, a liveness probe answered by pong');
export const PongMessage = defineMessage('pong', PongPayload, 'Either direction, the answer to a ping');
