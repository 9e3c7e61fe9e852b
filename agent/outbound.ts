import { randomUUID } from 'node:crypto';
import type { AgentMessage, AlertPayload } from '../contracts/index.js';

/*
 * What the agent says to the control plane, below every part that says something (commands,
 * the supervisor, telemetry) and below the connection that sends it, so none of them imports
 * another to speak.
 */

type WithoutEnvelope<Message> = Message extends unknown ? Omit<Message, 'id' | 'timestamp'> : never;

/** A message for the control plane before the connection stamps its envelope id and timestamp. */
export type OutboundMessage = WithoutEnvelope<AgentMessage>;

/** Sends (or, while offline, drops or queues: the connection decides) one message to the control plane. */
export type Emit = (message: OutboundMessage) => void;

/** An alert's own words; the id, the server and the time are the same for every alert. */
export type AlertFields = Omit<AlertPayload, 'alert_id' | 'server_id' | 'timestamp'>;

/** Sends one alert about this server now, and returns it. */
export function emitAlert(emit: Emit, serverId: string, fields: AlertFields): AlertPayload {
  const alert: AlertPayload = { alert_id: randomUUID(), server_id: serverId, timestamp: new Date().toISOString(), ...fields };
  emit({ type: 'alert', payload: alert });
  return alert;
}
