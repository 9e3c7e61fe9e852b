import { z } from 'zod';
import { ApiErrorCode } from './api/envelope.js';
import { DeploymentEvent } from './api/resources.js';
import { Uuid } from './primitives.js';

/*
 * Live updates for browsers over socket.io (path `/socket.io`). A client authenticates in the
 * handshake (the session cookie, or `auth: { token }` with a user or project token), then joins
 * rooms; the server sends each room's events as they happen. Nothing here is new data: every
 * event is also readable through the REST API, so a client that reconnects re-reads and resumes.
 */

export const LiveRoom = z.object({
  kind: z.enum(['service', 'deployment']),
  id: Uuid,
});
export type LiveRoom = z.infer<typeof LiveRoom>;

/** The client's `subscribe` and `unsubscribe` requests, each answered through its ack callback. */
export const LiveSubscription = z.object({ room: LiveRoom });
export type LiveSubscription = z.infer<typeof LiveSubscription>;

export const LiveAck = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), error: z.object({ code: ApiErrorCode, message: z.string() }) }),
]);
export type LiveAck = z.infer<typeof LiveAck>;

/** `deployment_event`, to the rooms of its deployment and its service: a progress report or a status change. */
export const LiveDeploymentEvent = z.object({
  deployment_id: Uuid,
  service_id: Uuid,
  event: DeploymentEvent,
});
export type LiveDeploymentEvent = z.infer<typeof LiveDeploymentEvent>;

export const LIVE_PATH = '/socket.io';

/** Event names in both directions, so client and server cannot disagree on a spelling. */
export const liveEvents = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  deploymentEvent: 'deployment_event',
} as const;

export const liveRoomName = (room: LiveRoom) => `${room.kind}:${room.id}`;
