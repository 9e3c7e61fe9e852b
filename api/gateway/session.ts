import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import {
  CONTROL_PLANE_VERSION,
  checkAgentCompatibility,
  negotiateProtocol,
  parseAgentMessage,
  protocolAtLeast,
  REPORT_ACK_MIN_PROTOCOL,
  TELEMETRY_ACK_MIN_PROTOCOL,
  toServerProtocolId,
  type AgentConfig,
  type AgentMessage,
  type AgentMessageOf,
  type ControlPlaneMessage,
  type PendingDeployment,
  type TelemetryAckPayload,
} from '../../contracts/index.js';
import { markCommandSent } from '../../db/queries/agent-commands.js';
import { recordAgentHello } from '../../db/queries/server-presence.js';
import type { Database, ServerRow } from '../../db/postgres/database.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import type { AgentEvents } from './events.js';
import type { HeartbeatWriter } from './heartbeat-writer.js';
import type { AgentReportForwarding } from './report-forwarding.js';
import { pendingCommandsToSend } from './pending-commands.js';
import { LivenessProbe } from '../../contracts/websocket/liveness-probe.js';

/** Above this a message is refused unread (telemetry batches are the largest legitimate ones). */
export const maxAgentMessageBytes = 8 * 1024 * 1024;
const rejectionLogWindowMs = 60_000;
const rejectionsLoggedPerWindow = 5;
export const closeCodes = { replaced: 4000, refused: 4001, shuttingDown: 1001 } as const;

export interface SessionDeps {
  db: Kysely<Database>;
  events: AgentEvents;
  log: Logger;
  agentConfig: AgentConfig;
  heartbeats: HeartbeatWriter;
  reports: AgentReportForwarding;
  /** Opens a deploy's sealed secrets as it is sent. */
  secrets: SecretCipher;
  pingIntervalMs: number;
}

type Rejection = { code: string; message: string; details?: unknown };

/**
 * One agent's connection. Messages are handled strictly in arrival order (a promise chain), so
 * a heartbeat never overtakes the hello and command answers are recorded in order. A bad message
 * is refused and logged; it never closes the socket or throws out of the handler.
 */
export class AgentSession {
  /** Names this connection in `servers.agent_session_id`, so only its own close marks the server offline. */
  readonly id = randomUUID();
  private ready = false;
  private protocolVersion = '1.0';
  private queue: Promise<void> = Promise.resolve();
  readonly rejected = { count: 0 };
  private rejectionLog = { windowStart: 0, logged: 0, suppressed: 0 };
  private readonly liveness: LivenessProbe;

  constructor(
    readonly server: ServerRow,
    private readonly socket: WebSocket,
    private readonly agentVersion: string,
    private readonly deps: SessionDeps,
  ) {
    socket.on('message', (data, isBinary) => this.enqueue(() => this.receive(data, isBinary)));
    this.liveness = new LivenessProbe(deps.pingIntervalMs, (ping) => this.send({ type: 'ping', payload: ping }), () => {
      deps.log.warn({ serverId: server.id }, 'agent answered no ping; closing its connection');
      socket.terminate();
    });
    socket.once('close', () => this.liveness.stop());
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  /**
   * Closes the socket and resolves once it is closed and every message received before is
   * handled; an agent that does not answer the close handshake within `graceMs` is cut off.
   */
  async closeAndSettle(code: number, reason: string, graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.socket.readyState === this.socket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
    });
    this.socket.close(code, reason);
    const cutOff = setTimeout(() => this.socket.terminate(), graceMs);
    await closed;
    clearTimeout(cutOff);
    await this.queue;
  }

  /** Sends whatever the outbox holds for this server; called on hello and on every NOTIFY. */
  deliverPending(): void {
    this.enqueue(async () => {
      if (!this.ready || !this.isOpen) return;
      for (const { command, payload } of await this.pendingCommands()) {
        this.send({ type: command.type, payload } as Pick<ControlPlaneMessage, 'type' | 'payload'>);
        await markCommandSent(this.deps.db, command.id);
      }
    });
  }

  private pendingCommands() {
    return pendingCommandsToSend(this.deps.db, this.deps.secrets, this.server.id, this.deps.log);
  }

  /** Sent by telemetry ingest once a batch is stored (or refused); 1.0 agents get no acks. */
  acknowledgeTelemetry(ack: TelemetryAckPayload): void {
    if (protocolAtLeast(this.protocolVersion, TELEMETRY_ACK_MIN_PROTOCOL)) this.send({ type: 'telemetry_ack', payload: ack });
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      this.deps.log.error({ err: error, serverId: this.server.id }, 'agent session task failed');
    });
  }

  private send(message: Pick<ControlPlaneMessage, 'type' | 'payload'>): void {
    if (!this.isOpen) return;
    this.socket.send(JSON.stringify({ id: randomUUID(), type: message.type, timestamp: new Date().toISOString(), payload: message.payload }));
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
    if (isBinary) return this.reject({ code: 'BINARY_NOT_SUPPORTED', message: 'messages are JSON text frames' });
    if (bytes > maxAgentMessageBytes) {
      return this.reject({ code: 'MESSAGE_TOO_LARGE', message: `${bytes} bytes exceeds ${maxAgentMessageBytes}` });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return this.reject({ code: 'INVALID_JSON', message: 'the frame is not JSON' });
    }
    const parsed = parseAgentMessage(raw);
    if (!parsed.success) {
      const details = parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      this.refuseTelemetryBatch(raw);
      return this.reject({ code: 'INVALID_MESSAGE', message: 'the message does not match the protocol', details });
    }
    const message = parsed.data;
    if (!this.ready && message.type !== 'agent_hello') {
      return this.reject({ code: 'HELLO_REQUIRED', message: `${message.type} before agent_hello` });
    }
    await this.handle(message);
  }

  private async handle(message: AgentMessage): Promise<void> {
    const { events } = this.deps;
    switch (message.type) {
      case 'agent_hello':
        return this.hello(message);
      case 'heartbeat':
        this.deps.heartbeats.record(this.server.id, message.payload);
        return void events.emit('heartbeat', this.server.id, message.payload);
      case 'command_response':
        return this.acknowledgeOnceHandled(message.id, this.deps.reports.commandResponse(this.server.id, message.payload));
      case 'deploy_status':
        return this.acknowledgeOnceHandled(message.id, this.deps.reports.deployStatus(this.server.id, message.id, message.payload));
      case 'ping':
        return this.send({ type: 'pong', payload: { nonce: message.payload.nonce, sent_at: new Date().toISOString() } });
      case 'pong':
        return this.liveness.answered(message.payload.nonce);
      case 'alert':
      case 'log_stream':
      case 'build_progress':
      case 'telemetry_batch':
        // Typed per case so each listener gets its own payload type.
        return void events.emit(message.type as 'alert', this.server.id, message.payload as never);
    }
  }

  private async hello(message: AgentMessageOf<'agent_hello'>): Promise<void> {
    if (this.ready) return this.reject({ code: 'DUPLICATE_HELLO', message: 'agent_hello was already accepted' });
    const hello = message.payload;
    const negotiated = negotiateProtocol({ agentProtocol: hello.protocol_version, agentMinSupported: hello.min_supported });
    const compatible = checkAgentCompatibility(this.agentVersion, CONTROL_PLANE_VERSION);
    const refusal = !negotiated.ok ? negotiated.reason : !compatible.ok ? compatible.reason : null;
    const base = { server_id: toServerProtocolId(this.server.id), server_name: this.server.name, org_id: this.server.org_id, config: this.deps.agentConfig };
    if (refusal !== null) {
      this.deps.log.warn({ serverId: this.server.id, agentVersion: this.agentVersion, reason: refusal }, 'agent refused');
      this.send({ type: 'hello_ack', payload: { ...base, accepted: false, pending_deployments: [], reason: refusal } });
      return this.close(closeCodes.refused, 'incompatible agent');
    }
    this.protocolVersion = negotiated.ok ? negotiated.version : this.protocolVersion;
    await recordAgentHello(this.deps.db, this.server.id, this.id, hello, this.agentVersion, this.protocolVersion);

    // Deploys queued while the agent was away travel inside hello_ack, as the contract says.
    const pending = await this.pendingCommands();
    const deploys = pending.filter(({ command }) => command.type === 'deploy');
    this.send({
      type: 'hello_ack',
      payload: {
        ...base,
        accepted: true,
        protocol_version: this.protocolVersion,
        pending_deployments: deploys.map(({ payload }) => payload as PendingDeployment),
      },
    });
    for (const { command } of deploys) await markCommandSent(this.deps.db, command.id);
    this.ready = true;
    // Agents answer pings only once their hello is accepted.
    this.liveness.start();
    this.deps.events.emit('server_online', this.server.id);
    this.deliverPending();
  }

  /**
   * Not awaited: a report waits for the database and Temporal, and the pongs and heartbeats behind
   * it must not. The forwarding keeps one server's reports in order. A report that fails is not
   * acknowledged (the forwarding logs why), and a 1.3 agent sends it again after its next hello.
   */
  private acknowledgeOnceHandled(messageId: string, handled: Promise<void>): void {
    handled.then(
      () => {
        if (protocolAtLeast(this.protocolVersion, REPORT_ACK_MIN_PROTOCOL)) this.send({ type: 'report_ack', payload: { message_id: messageId } });
      },
      () => undefined,
    );
  }

  /** A 1.1 agent keeps a batch until acknowledged; one that can never be stored is refused for good. */
  private refuseTelemetryBatch(raw: unknown): void {
    if (!this.ready || !protocolAtLeast(this.protocolVersion, TELEMETRY_ACK_MIN_PROTOCOL)) return;
    const candidate = raw as { type?: unknown; payload?: { batch_id?: unknown } } | null;
    if (candidate?.type !== 'telemetry_batch' || typeof candidate.payload?.batch_id !== 'string') return;
    this.send({
      type: 'telemetry_ack',
      payload: {
        batch_id: candidate.payload.batch_id,
        accepted: false,
        error: { code: 'VALIDATION_ERROR', message: 'the batch does not match the protocol' },
      },
    });
  }

  /**
   * Every rejection is counted; the log gets the first few of each minute in full and then one
   * line saying how many more there were, so a hostile agent cannot flood the logs.
   */
  private reject(rejection: Rejection): void {
    this.rejected.count += 1;
    const now = Date.now();
    if (now - this.rejectionLog.windowStart >= rejectionLogWindowMs) {
      if (this.rejectionLog.suppressed > 0) {
        this.deps.log.warn({ serverId: this.server.id, suppressed: this.rejectionLog.suppressed }, 'more agent messages rejected');
      }
      this.rejectionLog = { windowStart: now, logged: 0, suppressed: 0 };
    }
    if (this.rejectionLog.logged < rejectionsLoggedPerWindow) {
      this.rejectionLog.logged += 1;
      this.deps.log.warn({ serverId: this.server.id, ...rejection }, 'agent message rejected');
    } else {
      this.rejectionLog.suppressed += 1;
    }
  }
}
