import { z } from 'zod';
import { IsoDateTime, Uuid } from '../primitives.js';

/*
 * `ping` and `pong` appear in both lists: the contract files them under Control Plane -> Agent,
 * but a ping is only useful if the other side answers, so either peer may send a ping and the
 * receiver answers with a pong carrying the same nonce.
 */
export const AGENT_MESSAGE_TYPES = [
  'agent_hello',
  'heartbeat',
  'command_response',
  'deploy_status',
  'telemetry_batch',
  'alert',
  'log_stream',
  'build_progress',
  'ping',
  'pong',
] as const;

/** The control-plane messages that are commands, each answered by a `command_response`. */
export const COMMAND_MESSAGE_TYPES = [
  'deploy',
  'stop',
  'scale',
  'restart',
  'exec',
  'logs_subscribe',
  'logs_unsubscribe',
  'update_agent',
  'configure_health_check',
  'build',
  'cancel_build',
] as const;

export const CONTROL_PLANE_MESSAGE_TYPES = ['hello_ack', ...COMMAND_MESSAGE_TYPES, 'ping', 'pong', 'telemetry_ack', 'report_ack'] as const;

export type AgentMessageType = (typeof AGENT_MESSAGE_TYPES)[number];
export type ControlPlaneMessageType = (typeof CONTROL_PLANE_MESSAGE_TYPES)[number];

export const MESSAGE_TYPES: readonly (AgentMessageType | ControlPlaneMessageType)[] = [
  ...new Set([...AGENT_MESSAGE_TYPES, ...CONTROL_PLANE_MESSAGE_TYPES]),
];

export const MessageType = z.enum(MESSAGE_TYPES);
export type MessageType = z.infer<typeof MessageType>;

const envelopeFields = {
  id: Uuid.describe('Unique per message, for request tracking'),
  timestamp: IsoDateTime.describe('When the sender created the message'),
};

/** Any message before its payload is checked: enough to log it and to answer it by id. */
export const WebSocketEnvelope = z.object({ ...envelopeFields, type: MessageType, payload: z.unknown() });
export type WebSocketEnvelope = z.infer<typeof WebSocketEnvelope>;

/** The envelope of one message type, with its `type` fixed and its payload schema. */
export function defineMessage<Type extends MessageType, Payload extends z.ZodType>(
  type: Type,
  payload: Payload,
  description: string,
) {
  return z.object({ ...envelopeFields, type: z.literal(type), payload }).describe(description);
}
