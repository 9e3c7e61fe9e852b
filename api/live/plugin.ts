import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import {
  LIVE_PATH,
  liveEvents,
  liveRoomName,
  LiveSubscription,
  type ApiErrorCode,
  type LiveAck,
  type LiveDeploymentEvent,
  type LiveRoom,
} from '../../contracts/index.js';
import { listenToChannel } from '../../db/postgres/notifications.js';
import { deploymentEventById } from '../../db/queries/deployment-events.js';
import { deploymentInScope } from '../../db/queries/deployments.js';
import { scopedService } from '../../db/queries/service-scope.js';
import type { Credentials } from '../auth/plugin.js';
import { scopeOf, type Caller } from '../auth/permissions.js';
import { ApiProblem } from '../errors.js';
import type { Platform } from '../platform.js';
import { eventResource } from '../resources/deployment.js';

/* What `deployment_events`' trigger (migration 0007) notifies. */
const EventNotification = z.object({ id: z.string(), deployment_id: z.string(), service_id: z.string() });

/* Subscriptions are small JSON objects; anything larger is not one. */
const maxClientMessageBytes = 4 * 1024;

type Ack = (answer: LiveAck) => void;

function refusal(error: unknown): LiveAck {
  if (error instanceof ApiProblem) return { ok: false, error: { code: error.code, message: error.message } };
  return { ok: false, error: { code: 'INTERNAL_ERROR' satisfies ApiErrorCode, message: 'Could not subscribe; try again' } };
}

/** The handshake's credentials: `auth.token` (scripts, the CLI) or the browser's session cookie. */
function credentialsOf(socket: Socket): Credentials {
  const token: unknown = socket.handshake.auth?.token;
  const headers = typeof token === 'string' ? { ...socket.handshake.headers, authorization: `Bearer ${token}` } : socket.handshake.headers;
  return { headers, method: 'GET' };
}

/**
 * socket.io for browsers: authenticated at the handshake, rooms per service and per deployment,
 * fed by PostgreSQL NOTIFY so that whichever process records an event (the worker's activities,
 * another API process's gateway), every API process forwards it to its own sockets.
 */
export async function registerLiveUpdates(app: FastifyInstance, platform: Platform): Promise<void> {
  const { db, config } = platform;
  const io = new Server(app.server, {
    path: LIVE_PATH,
    serveClient: false,
    maxHttpBufferSize: maxClientMessageBytes,
    // The agent gateway shares the HTTP server's upgrade event: never close sockets on other paths.
    destroyUpgrade: false,
  });

  io.use((socket, next) => {
    app.authenticator.resolveCaller(credentialsOf(socket)).then(
      (caller) => {
        socket.data.caller = caller;
        next();
      },
      (error: unknown) => {
        const { error: reason } = refusal(error) as Extract<LiveAck, { ok: false }>;
        next(Object.assign(new Error(reason.message), { data: { code: reason.code } }));
      },
    );
  });

  /* Re-checked on every subscribe, so a socket outliving its session or token gains nothing new. */
  async function authorizeRoom(socket: Socket, room: LiveRoom): Promise<void> {
    const caller: Caller = await app.authenticator.resolveCaller(credentialsOf(socket));
    socket.data.caller = caller;
    const scope = scopeOf(caller);
    const found = room.kind === 'service' ? await scopedService(db, scope, room.id) : await deploymentInScope(db, scope, room.id);
    if (!found) throw new ApiProblem('NOT_FOUND', `No ${room.kind} ${room.id} in this organization`);
  }

  io.on('connection', (socket) => {
    socket.on(liveEvents.subscribe, (raw: unknown, ack: unknown) => {
      const answer: Ack = typeof ack === 'function' ? (ack as Ack) : () => undefined;
      const parsed = LiveSubscription.safeParse(raw);
      if (!parsed.success) {
        answer({ ok: false, error: { code: 'VALIDATION_ERROR', message: `Expected { room: { kind: "service" | "deployment", id: <uuid> } }` } });
        return;
      }
      authorizeRoom(socket, parsed.data.room).then(
        async () => {
          await socket.join(liveRoomName(parsed.data.room));
          answer({ ok: true });
        },
        (error: unknown) => {
          if (!(error instanceof ApiProblem)) app.log.error({ err: error }, 'live subscription failed');
          answer(refusal(error));
        },
      );
    });
    socket.on(liveEvents.unsubscribe, async (raw: unknown, ack: unknown) => {
      const answer: Ack = typeof ack === 'function' ? (ack as Ack) : () => undefined;
      const parsed = LiveSubscription.safeParse(raw);
      if (parsed.success) await socket.leave(liveRoomName(parsed.data.room));
      answer(parsed.success ? { ok: true } : { ok: false, error: { code: 'VALIDATION_ERROR', message: 'Expected { room }' } });
    });
  });

  // Forwarded one at a time, so a room sees events in the order they were recorded.
  let forwarding = Promise.resolve();
  const forward = async (payload: string) => {
    const notification = EventNotification.safeParse(JSON.parse(payload));
    if (!notification.success) return;
    const { id, deployment_id, service_id } = notification.data;
    const rooms = [liveRoomName({ kind: 'deployment', id: deployment_id }), liveRoomName({ kind: 'service', id: service_id })];
    if (!rooms.some((room) => io.sockets.adapter.rooms.has(room))) return;
    const row = await deploymentEventById(db, id);
    if (!row) return;
    const message: LiveDeploymentEvent = { deployment_id, service_id, event: eventResource(row) };
    // One emit to both rooms: a socket in both receives the event once.
    io.to(rooms).emit(liveEvents.deploymentEvent, message);
  };
  const listener = listenToChannel(
    config.DATABASE_URL!,
    'deployment_events',
    {
      onNotification: (payload) => {
        forwarding = forwarding.then(() => forward(payload)).catch((error: unknown) => app.log.error({ err: error }, 'live event forwarding failed'));
      },
    },
    app.log,
  );
  await listener.ready;

  app.addHook('preClose', async () => {
    await listener.close();
    io.disconnectSockets(true);
    io.engine.close();
  });
}
