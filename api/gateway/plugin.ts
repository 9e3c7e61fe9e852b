import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { DEFAULT_AGENT_CONFIG, Semver } from '../../contracts/index.js';
import { markServerOffline, markSilentServersOffline, serverByAgentTokenHash } from '../../db/queries/server-presence.js';
import { hashToken, tokenKind, tokenMatchesHash } from '../../contracts/tokens.js';
import type { Platform } from '../../control/platform.js';
import { AgentEvents } from './events.js';
import { HeartbeatWriter } from './heartbeat-writer.js';
import { operationQueueOf } from '../../control/operations/queue.js';
import { forwardAgentReports } from './report-forwarding.js';
import { keepStandingProblems } from './server-problems.js';
import { AgentSession, closeCodes, maxAgentMessageBytes } from './session.js';

export const agentGatewayPath = '/agent/ws';
/** A server is offline after this many heartbeat intervals without one (the "three"). */
const missedHeartbeatsAllowed = 3;
/** How long a stopping control plane waits for an agent to answer its close frame. */
const closeHandshakeGraceMs = 2_000;

declare module 'fastify' {
  interface FastifyInstance {
    agentGateway: AgentGateway;
  }
}

export interface AgentGateway {
  events: AgentEvents;
  /** The live session of a server held by this process, if any. */
  session(serverId: string): AgentSession | undefined;
  /** Resolves once every server whose socket closed so far is marked offline, and every report received is handled. */
  settled(): Promise<void>;
}

/**
 * The agents' WebSocket endpoint. Authentication happens on the HTTP upgrade, before a socket
 * exists: a wrong token gets a plain 401 and no session. One live session per server: a new
 * connection replaces the old one. Commands reach agents from the PostgreSQL outbox, on NOTIFY.
 */
export async function registerAgentGateway(app: FastifyInstance, platform: Platform): Promise<void> {
  const { db, config, secrets } = platform;
  const log = app.log.child({ component: 'agent-gateway' });
  const events = new AgentEvents();
  keepStandingProblems(events, db, log);
  const sessions = new Map<string, AgentSession>();
  /* Every session whose socket is not closed yet, replaced ones included: closing waits for them all. */
  const open = new Set<AgentSession>();
  const disconnecting = new Set<Promise<void>>();
  const heartbeats = new HeartbeatWriter(db, log);
  const reports = forwardAgentReports(events, db, operationQueueOf(platform).client, log);
  const agentConfig = { ...DEFAULT_AGENT_CONFIG, heartbeat_interval_seconds: config.SYNTRA_AGENT_HEARTBEAT_SECONDS };
  const pingIntervalMs = config.SYNTRA_AGENT_PING_SECONDS * 1000;
  // ws closes the socket on frames above maxPayload; the session refuses big ones itself and stays up.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * maxAgentMessageBytes });

  const settled = async () => {
    await Promise.allSettled([...disconnecting]);
    await reports.settled();
  };
  app.decorate('agentGateway', { events, session: (serverId: string) => sessions.get(serverId), settled });

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://gateway').pathname !== agentGatewayPath) {
      // Other upgrade listeners (socket.io) own other paths; refuse only when nobody else listens.
      return app.server.listenerCount('upgrade') === 1 ? refuse(socket, 404, 'Not Found') : undefined;
    }
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const agentVersion = request.headers['x-agent-version'];
    if (!token || tokenKind(token) !== 'agt') return refuse(socket, 401, 'Unauthorized');
    const server = await serverByAgentTokenHash(db, hashToken(token));
    if (!server || !tokenMatchesHash(token, server.agent_token_hash)) return refuse(socket, 401, 'Unauthorized');
    if (typeof agentVersion !== 'string' || !Semver.safeParse(agentVersion).success) return refuse(socket, 400, 'Bad Request');

    wss.handleUpgrade(request, socket, head, (ws) => {
      const session = new AgentSession(server, ws, agentVersion, { db, events, log, agentConfig, heartbeats, reports, secrets, pingIntervalMs });
      const previous = sessions.get(server.id);
      sessions.set(server.id, session);
      previous?.close(closeCodes.replaced, 'replaced by a newer connection');
      log.info({ serverId: server.id, agentVersion }, 'agent connected');
      ws.on('error', (error) => log.warn({ err: error, serverId: server.id }, 'agent socket error'));
      open.add(session);
      ws.on('close', () => {
        open.delete(session);
        if (sessions.get(server.id) !== session) return;
        sessions.delete(server.id);
        log.info({ serverId: server.id }, 'agent disconnected');
        // Flush first: a buffered heartbeat written after this would flip the server back online.
        const marking = heartbeats.flush().then(() => markServerOffline(db, server.id, session.id)).then(
          (marked) => void (marked && events.emit('server_offline', server.id)),
          (error: unknown) => log.error({ err: error }, 'could not mark server offline'),
        );
        disconnecting.add(marking);
        void marking.finally(() => disconnecting.delete(marking));
      });
    });
  };
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(request, socket, head).catch((error: unknown) => {
      log.error({ err: error }, 'agent upgrade failed');
      refuse(socket, 500, 'Internal Server Error');
    });
  });

  // The outbox's NOTIFY names the server; after a reconnect every session re-reads its queue.
  await app.notifications.listen('agent_commands', {
    onNotification: (serverId) => sessions.get(serverId)?.deliverPending(),
    onConnected: () => sessions.forEach((session) => session.deliverPending()),
  });

  const sweepIntervalMs = agentConfig.heartbeat_interval_seconds * 1000;
  const sweep = setInterval(() => {
    markSilentServersOffline(db, agentConfig.heartbeat_interval_seconds * missedHeartbeatsAllowed).then(
      (ids) => ids.forEach((id) => events.emit('server_offline', id)),
      (error: unknown) => log.error({ err: error }, 'offline sweep failed'),
    );
  }, sweepIntervalMs);
  sweep.unref();

  // Sockets go first (preClose): the HTTP server's close waits for every connection, upgraded ones included.
  app.addHook('preClose', async () => {
    await Promise.all([...open].map((session) => session.closeAndSettle(closeCodes.shuttingDown, 'control plane stopping', closeHandshakeGraceMs)));
    wss.close();
  });
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    // The sockets closed in preClose are still being marked offline; the database must outlive that.
    await settled();
    await heartbeats.close();
  });
}

function refuse(socket: Duplex, status: number, text: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}
