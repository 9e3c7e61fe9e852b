import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import {
  DEFAULT_AGENT_CONFIG,
  fromServerProtocolId,
  HelloAckPayload,
  LEGACY_PROTOCOL_VERSION,
  PingPayload,
  PongPayload,
  protocolAtLeast,
  REPORT_ACK_MIN_PROTOCOL,
  ReportAckPayload,
  TelemetryAckPayload,
  toAgentProtocolId,
  toServerProtocolId,
  type AgentConfig,
  type AgentMessage,
} from '../contracts/index.js';
import { LivenessProbe } from '../contracts/websocket/liveness-probe.js';
import { DEFAULT_SUPERVISOR_OPTIONS, Supervisor } from './supervisor.js';
import { createCommandDispatcher, type CommandDispatcher } from './commands/index.js';
import type { AgentContext } from './context.js';
import type { OutboundMessage } from './outbound.js';
import { ReportOutbox } from './report-outbox.js';
import { messageOf } from './errors.js';
import { collectHello } from './facts.js';
import type { TelemetrySender } from './telemetry/sender.js';
import { UsageSampler } from './usage.js';
import { AGENT_VERSION } from './version.js';

export const AGENT_WS_PATH = '/agent/ws';
export const RECONNECT_INITIAL_DELAY_MS = 1_000;
export const RECONNECT_MAX_DELAY_MS = 30_000;
/* A control plane that accepts the socket but never answers the hello is as good as down. */
const HELLO_ACK_TIMEOUT_MS = 15_000;
/* Outcomes kept for the next session or until acknowledged (bounded: the oldest go first). */
const REPORT_OUTBOX_MAX_MESSAGES = 1_000;
/*
 * The install command carries only URL and token: the gateway knows the server by its token and
 * names it in hello_ack. Until then the hello carries the nil UUID's ids.
 */
const UNKNOWN_SERVER_UUID = '00000000-0000-0000-0000-000000000000';

export interface AgentConnectionOptions {
  /** The control plane's base URL (http(s) or ws(s)); the agent connects to `<url>/agent/ws`. */
  url: string;
  token: string;
  /** The server's UUID when known; otherwise learnt from the first `hello_ack`. */
  serverId?: string | undefined;
  context: AgentContext;
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
}

/** `<base>/agent/ws` with the scheme turned into ws/wss. */
export function agentSocketUrl(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${AGENT_WS_PATH}`;
  return url.toString();
}

/**
 * The agent's session with the control plane: hello → hello_ack (config, pending deploys) →
 * heartbeats, pings answered, commands run through the dispatcher with their answers sent back.
 * A lost connection is retried forever with exponential backoff and jitter, and commands already
 * running finish: their outcomes wait in a bounded outbox for the next session, and stay there
 * until a control plane that acknowledges reports (protocol 1.3) has handled them.
 */
/* How long a stopping agent lets running commands (a deploy's rollout) finish; below systemd's 90 s stop timeout. */
const STOP_DRAIN_MS = 30_000;

export class AgentConnection {
  private socket: WebSocket | null = null;
  private ready = false;
  private stopped = true;
  private attempt = 0;
  private config: AgentConfig = DEFAULT_AGENT_CONFIG;
  private serverUuid: string;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private liveness: LivenessProbe | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly outbox = new ReportOutbox(REPORT_OUTBOX_MAX_MESSAGES, (report) =>
    this.log.warn({ type: report.type, messageId: report.id }, 'dropped the oldest report kept for the control plane: the outbox is full'),
  );
  private readonly dispatcher: CommandDispatcher;
  private readonly supervisor: Supervisor;
  private readonly usage: UsageSampler;
  private readonly telemetry: TelemetrySender | undefined;

  constructor(private readonly options: AgentConnectionOptions) {
    this.serverUuid = options.serverId ?? UNKNOWN_SERVER_UUID;
    const emit = (message: OutboundMessage) => this.emit(message);
    this.dispatcher = createCommandDispatcher(options.context, emit);
    this.supervisor = new Supervisor(options.context, emit, {
      ...DEFAULT_SUPERVISOR_OPTIONS,
      serverId: () => toServerProtocolId(this.serverUuid),
    });
    this.usage = new UsageSampler(options.context.docker, options.context.services, options.context.edge);
    this.telemetry = options.context.telemetry?.connect({
      emit,
      agentId: () => toAgentProtocolId(this.serverUuid),
      serverId: () => toServerProtocolId(this.serverUuid),
    });
  }

  private get log() {
    return this.options.context.log;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.supervisor.start();
    this.telemetry?.start();
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.endSession();
    this.socket?.close(1001, 'agent stopping');
    this.socket = null;
    await this.dispatcher.settled(STOP_DRAIN_MS);
    await this.supervisor.stop();
    await this.telemetry?.stop();
  }

  /** Sends a message now (keeping a report until acknowledged), or keeps an outcome for the next session while disconnected. */
  emit(message: OutboundMessage): void {
    const online = this.ready && this.socket?.readyState === WebSocket.OPEN;
    if (!online && !ReportOutbox.keepsWhileOffline(message.type)) return;
    const framed = frame(message);
    if (!online) return this.outbox.keep(framed);
    this.sendFramed(framed);
    this.outbox.sent(framed);
  }

  private send(message: OutboundMessage): void {
    this.sendFramed(frame(message));
  }

  private sendFramed(message: AgentMessage): void {
    this.socket?.send(JSON.stringify(message));
  }

  private connect(): void {
    const socket = new WebSocket(agentSocketUrl(this.options.url), {
      headers: { Authorization: `Bearer ${this.options.token}`, 'X-Agent-Version': AGENT_VERSION },
    });
    this.socket = socket;
    const helloTimeout = setTimeout(() => {
      this.log.warn('no hello_ack in time; reconnecting');
      socket.terminate();
    }, HELLO_ACK_TIMEOUT_MS);
    socket.on('open', () => {
      collectHello(this.options.context.docker, this.serverUuid).then(
        (hello) => {
          const message = { id: randomUUID(), timestamp: new Date().toISOString(), type: 'agent_hello', payload: hello };
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
        },
        (error: unknown) => {
          this.log.error(`could not describe this machine for agent_hello: ${messageOf(error)}`);
          socket.close(1011, 'agent_hello failed');
        },
      );
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.log.warn('ignored a binary frame: the protocol is JSON text');
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        return this.log.warn('ignored a frame that is not JSON');
      }
      if (this.onSessionMessage(raw, helloTimeout)) return;
      if (!this.ready) return this.log.warn('ignored a command that arrived before hello_ack');
      void this.dispatcher.handleCommand(raw);
    });
    socket.on('unexpected-response', (_request, response) => {
      this.log.warn({ status: response.statusCode }, 'the control plane refused the connection');
    });
    socket.on('error', (error) => this.log.warn(`agent socket error: ${error.message}`));
    socket.on('close', () => {
      clearTimeout(helloTimeout);
      if (this.socket !== socket) return;
      this.endSession();
      this.socket = null;
      this.scheduleReconnect();
    });
  }

  /** Handles hello_ack, ping, pong, telemetry_ack and report_ack; false for anything else (a command). */
  private onSessionMessage(raw: unknown, helloTimeout: NodeJS.Timeout): boolean {
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    const payload = typeof raw === 'object' && raw !== null ? (raw as { payload?: unknown }).payload : undefined;
    switch (type) {
      case 'hello_ack': {
        clearTimeout(helloTimeout);
        const ack = HelloAckPayload.safeParse(payload);
        if (!ack.success) {
          this.log.error({ issues: ack.error.issues }, 'malformed hello_ack');
          this.socket?.close(1002, 'malformed hello_ack');
        } else if (!ack.data.accepted) {
          this.log.error({ reason: ack.data.reason }, 'the control plane refused this agent');
        } else if (!this.ready) {
          this.beginSession(ack.data);
        }
        return true;
      }
      case 'ping': {
        const ping = PingPayload.safeParse(payload);
        if (ping.success && this.ready) this.send({ type: 'pong', payload: { nonce: ping.data.nonce, sent_at: new Date().toISOString() } });
        return true;
      }
      case 'telemetry_ack': {
        const ack = TelemetryAckPayload.safeParse(payload);
        if (ack.success) this.telemetry?.onAck(ack.data);
        else this.log.warn({ issues: ack.error.issues }, 'ignored a malformed telemetry_ack');
        return true;
      }
      case 'report_ack': {
        const ack = ReportAckPayload.safeParse(payload);
        if (ack.success) this.outbox.acknowledge(ack.data.message_id);
        else this.log.warn({ issues: ack.error.issues }, 'ignored a malformed report_ack');
        return true;
      }
      case 'pong': {
        const pong = PongPayload.safeParse(payload);
        if (pong.success) this.liveness?.answered(pong.data.nonce);
        return true;
      }
      default:
        return false;
    }
  }

  private beginSession(ack: HelloAckPayload): void {
    this.ready = true;
    this.attempt = 0;
    this.config = ack.config;
    this.serverUuid = fromServerProtocolId(ack.server_id);
    this.log.level = ack.config.log_level;
    const protocol = ack.protocol_version ?? LEGACY_PROTOCOL_VERSION;
    this.log.info({ serverName: ack.server_name, protocol }, 'connected to the control plane');
    this.outbox.resend(protocolAtLeast(protocol, REPORT_ACK_MIN_PROTOCOL), (report) => this.sendFramed(report));
    this.telemetry?.beginSession(ack.config, ack.protocol_version);
    const socket = this.socket;
    // Pinged as often as it beats: a control plane gone silent behind a half-open socket is left for a new connection.
    this.liveness = new LivenessProbe(
      ack.config.heartbeat_interval_seconds * 1000,
      (ping) => this.send({ type: 'ping', payload: ping }),
      () => {
        this.log.warn('the control plane answered no ping; reconnecting');
        socket?.terminate();
      },
    );
    this.liveness.start();
    // The server's running services are taken back before anything reports on or changes them.
    // Without Docker the agent still stays online, so the control plane sees it and its errors;
    // the next session tries again.
    this.options.context.services
      .attach(this.serverUuid)
      .catch((error: unknown) => this.log.error(`could not take back this server's containers from Docker: ${messageOf(error)}`))
      .then(() => this.routeDomains())
      .then(() => {
        if (!this.ready || this.socket !== socket) return;
        for (const deployment of ack.pending_deployments) {
          void this.dispatcher.handleCommand({ id: randomUUID(), type: 'deploy', timestamp: new Date().toISOString(), payload: deployment });
        }
        this.heartbeatLoop();
      });
  }

  /* The proxy routes the services just taken back (after an agent restart, before any deploy). */
  private async routeDomains(): Promise<void> {
    const { edge, services } = this.options.context;
    await edge?.sync(services).catch((error: unknown) => this.log.error(`could not route the services' domains: ${messageOf(error)}`));
  }

  /* Scheduled after each heartbeat is sent, so a slow `docker stats` never stacks heartbeats up. */
  private heartbeatLoop(): void {
    const socket = this.socket;
    this.usage.heartbeat(toAgentProtocolId(this.serverUuid)).then(
      (heartbeat) => {
        if (!this.ready || this.socket !== socket) return;
        this.send({ type: 'heartbeat', payload: heartbeat });
        this.supervisor.checkResources(heartbeat.resources);
        this.heartbeatTimer = setTimeout(() => this.heartbeatLoop(), this.config.heartbeat_interval_seconds * 1000);
      },
      (error: unknown) => {
        this.log.warn(`could not measure the heartbeat: ${messageOf(error)}`);
        if (this.ready && this.socket === socket) {
          this.heartbeatTimer = setTimeout(() => this.heartbeatLoop(), this.config.heartbeat_interval_seconds * 1000);
        }
      },
    );
  }

  /* Log follows write to this socket only; running commands keep going and queue their outcome. */
  private endSession(): void {
    this.ready = false;
    this.liveness?.stop();
    this.liveness = null;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.telemetry?.endSession();
    this.dispatcher.close();
  }

  /** 1 s, 2 s, 4 s … capped at 30 s, each drawn at random from its upper half so agents do not reconnect in step. */
  private scheduleReconnect(): void {
    if (this.stopped) return;
    const initial = this.options.reconnectInitialDelayMs ?? RECONNECT_INITIAL_DELAY_MS;
    const max = this.options.reconnectMaxDelayMs ?? RECONNECT_MAX_DELAY_MS;
    const ceiling = Math.min(initial * 2 ** this.attempt, max);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.log.info({ delayMs: Math.round(delay) }, 'reconnecting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}

/* Stamped once: a report sent again keeps its envelope id, which the control plane knows it by. */
function frame(message: OutboundMessage): AgentMessage {
  return { id: randomUUID(), timestamp: new Date().toISOString(), ...message } as AgentMessage;
}
