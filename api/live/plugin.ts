import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import {
  LIVE_PATH,
  liveEvents,
  liveRoomName,
  LiveRoom,
  LiveSubscription,
  type ApiErrorCode,
  type LiveAck,
  type LiveBuildLog,
  type LiveDeploymentEvent,
  type LiveDomainStatus,
  type LiveIssue,
  type LiveLogLines,
  type LiveWorkflowRun,
} from '../../contracts/index.js';
import { logsAfter, newestLogNanos } from '../../db/clickhouse/logs.js';
import { buildLogLines } from '../../db/clickhouse/build-logs.js';
import { buildLogsChannel } from '../builds/build-progress.js';
import { deploymentEventById } from '../../db/queries/deployment-events.js';
import { deploymentInScope } from '../../db/queries/deployments.js';
import { domainWithServerIp } from '../../db/queries/service-domains.js';
import { issueWithProject } from '../../db/queries/issues.js';
import { projectById } from '../../db/queries/projects.js';
import { scopedService } from '../../db/queries/service-scope.js';
import { workflowRunById, workflowRunWithVersion } from '../../db/queries/workflow-definitions.js';
import type { Credentials } from '../http/auth/plugin.js';
import { scopeOf, type Caller } from '../../control/caller.js';
import { ApiProblem } from '../../control/problem.js';
import type { Platform } from '../../control/platform.js';
import { eventResource } from '../../control/resources/deployment.js';
import { issueResource } from '../../control/resources/issue.js';
import { serviceDomainResource } from '../../control/resources/service-addresses.js';
import { workflowRunResource } from '../../control/resources/workflow.js';

/* What `deployment_events`' trigger (migration 0007) and `error_groups`' (0010) notify. */
const EventNotification = z.object({ id: z.string(), deployment_id: z.string(), service_id: z.string() });
/* What the build progress notifies on `build_logs` once a report's lines are stored. */
const BuildLogNotification = z.object({ deployment_id: z.string(), service_id: z.string(), first_line: z.number().int().min(0), count: z.number().int().min(1) });

/* What `service_domains`' trigger (0022) notifies when a heartbeat changed a certificate's state. */
const DomainNotification = z.object({ domain: z.string(), service_id: z.string() });
/* What the ingest notifies on `service_logs` once a batch's lines are stored. */
const ServiceNotification = z.object({ service_id: z.string() });

/* One live message carries at most this many lines; a busier service's tail catches up message by message. */
const maxLiveLines = 500;

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
  const { db } = platform;
  const clickhouse = platform.clickhouse.client;
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
    const lookups: Record<LiveRoom['kind'], { noun: string; find: () => Promise<unknown> }> = {
      deployment: { noun: 'deployment', find: () => deploymentInScope(db, scope, room.id) },
      project_issues: { noun: 'project', find: () => projectById(db, scope, room.id) },
      workflow_run: { noun: 'workflow run', find: () => workflowRunById(db, scope, room.id) },
      service: { noun: 'service', find: () => scopedService(db, scope, room.id) },
      service_logs: { noun: 'service', find: () => scopedService(db, scope, room.id) },
    };
    const { noun, find } = lookups[room.kind];
    const found = await find();
    if (!found) throw new ApiProblem('NOT_FOUND', `No ${noun} ${room.id} in this organization`);
  }

  /* Per tailed service: the newest line sent; a service nobody tails any more is dropped. */
  const tails = new Map<string, string>();

  io.on('connection', (socket) => {
    socket.on(liveEvents.subscribe, (raw: unknown, ack: unknown) => {
      const answer: Ack = typeof ack === 'function' ? (ack as Ack) : () => undefined;
      const parsed = LiveSubscription.safeParse(raw);
      if (!parsed.success) {
        answer({ ok: false, error: { code: 'VALIDATION_ERROR', message: `Expected { room: { kind: ${LiveRoom.shape.kind.options.map((kind) => `"${kind}"`).join(' | ')}, id: <uuid> } }` } });
        return;
      }
      const { room } = parsed.data;
      const join = async () => {
        await authorizeRoom(socket, room);
        // A tail starts at the newest stored line, so the first message holds only what is new.
        if (room.kind === 'service_logs' && !tails.has(room.id)) tails.set(room.id, await newestLogNanos(clickhouse, room.id));
        await socket.join(liveRoomName(room));
      };
      join().then(
        () => answer({ ok: true }),
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

  const forwardLogs = async (payload: string) => {
    const notification = ServiceNotification.safeParse(JSON.parse(payload));
    if (!notification.success) return;
    const serviceId = notification.data.service_id;
    const room = liveRoomName({ kind: 'service_logs', id: serviceId });
    if (!io.sockets.adapter.rooms.has(room)) return void tails.delete(serviceId);
    const after = tails.get(serviceId) ?? (await newestLogNanos(clickhouse, serviceId));
    const { entries, lastNanos } = await logsAfter(clickhouse, serviceId, after, maxLiveLines);
    tails.set(serviceId, lastNanos);
    if (entries.length > 0) io.to(room).emit(liveEvents.logLines, { service_id: serviceId, lines: entries } satisfies LiveLogLines);
  };

  const forwardBuildLog = async (payload: string) => {
    const notification = BuildLogNotification.safeParse(JSON.parse(payload));
    if (!notification.success) return;
    const { deployment_id, service_id, first_line, count } = notification.data;
    const rooms = [liveRoomName({ kind: 'deployment', id: deployment_id }), liveRoomName({ kind: 'service', id: service_id })];
    if (!rooms.some((room) => io.sockets.adapter.rooms.has(room))) return;
    const lines = await buildLogLines(clickhouse, deployment_id, first_line, count);
    if (lines.length > 0) io.to(rooms).emit(liveEvents.buildLog, { deployment_id, service_id, lines } satisfies LiveBuildLog);
  };

  const forwardIssue = async (payload: string) => {
    const notification = EventNotification.pick({ id: true, service_id: true }).safeParse(JSON.parse(payload));
    if (!notification.success) return;
    const found = await issueWithProject(db, notification.data.id);
    if (!found) return;
    const room = liveRoomName({ kind: 'project_issues', id: found.projectId });
    if (io.sockets.adapter.rooms.has(room)) io.to(room).emit(liveEvents.issue, { project_id: found.projectId, issue: issueResource(found.issue) } satisfies LiveIssue);
  };

  const forwardDomain = async (payload: string) => {
    const notification = DomainNotification.safeParse(JSON.parse(payload));
    if (!notification.success) return;
    const room = liveRoomName({ kind: 'service', id: notification.data.service_id });
    if (!io.sockets.adapter.rooms.has(room)) return;
    const found = await domainWithServerIp(db, notification.data.domain);
    // Gone meanwhile, or given to another service since: the room re-reads on its next change.
    if (!found || found.row.service_id !== notification.data.service_id) return;
    io.to(room).emit(liveEvents.domainStatus, { service_id: found.row.service_id, domain: serviceDomainResource(found.row, found.serverIp) } satisfies LiveDomainStatus);
  };

  /* The run is read unscoped: its room was authorised at subscribe, and the row is what its members may read. */
  const forwardRun = async (payload: string) => {
    const notification = EventNotification.pick({ id: true }).safeParse(JSON.parse(payload));
    if (!notification.success) return;
    const room = liveRoomName({ kind: 'workflow_run', id: notification.data.id });
    if (!io.sockets.adapter.rooms.has(room)) return;
    const run = await workflowRunWithVersion(db, notification.data.id);
    if (run) io.to(room).emit(liveEvents.workflowRun, { run: workflowRunResource(run, platform.temporal) } satisfies LiveWorkflowRun);
  };

  // Each channel forwarded one notification at a time, so a room sees messages in their order.
  const channels: [string, (payload: string) => Promise<void>][] = [
    ['deployment_events', forward],
    ['service_logs', forwardLogs],
    [buildLogsChannel, forwardBuildLog],
    ['issues_changed', forwardIssue],
    ['workflow_runs', forwardRun],
    ['service_domains', forwardDomain],
  ];
  await Promise.all(
    channels.map(([channel, handle]) => {
      let queue = Promise.resolve();
      return app.notifications.listen(channel, {
        onNotification: (payload) => {
          queue = queue.then(() => handle(payload)).catch((error: unknown) => app.log.error({ err: error, channel }, 'live forwarding failed'));
        },
      });
    }),
  );

  app.addHook('preClose', async () => {
    io.disconnectSockets(true);
    io.engine.close();
  });
}
