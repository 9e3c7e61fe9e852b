import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { DEFAULT_AGENT_CONFIG, HealthCheckResult } from '../../contracts/index.js';
import { hashToken } from '../../contracts/token-hash.js';
import type { Emit } from '../context.js';
import { messageOf } from '../errors.js';
import type { ServiceRegistry } from '../runtime/service-registry.js';
import { ContainerLogCollector } from './container-logs.js';
import { ContainerMetricsCollector } from './container-metrics.js';
import { sentryDsn } from './dsn.js';
import { DEFAULT_RECEIVER_PORT, TelemetryReceiver } from './receiver.js';
import { TelemetrySender } from './sender.js';
import { RESOURCE_ATTRIBUTE, ServiceDirectory } from './service-directory.js';
import { BYTES_PER_MB, TelemetrySpool } from './spool.js';
import { countsByKind, type TelemetryKind, type TelemetryRecords } from './telemetry-data.js';
import { loadZstd, type Zstd } from './zstd.js';

/* One alert per minute at most while the spool is dropping data, each with the counts since the previous one. */
const DROP_ALERT_MIN_INTERVAL_MS = 60_000;

export interface AgentTelemetryOptions {
  docker: Docker;
  services: ServiceRegistry;
  log: Logger;
  /** The agent's data directory; the spool lives in `<dataDir>/telemetry`. */
  dataDir: string;
  /** The agent token: Sentry keys derive from its SHA-256 (see dsn.ts). */
  agentToken: string;
  /** Where the receiver listens. Default: Docker's bridge gateway, reachable from containers and not from other machines. */
  host?: string | undefined;
  /** Default 4318, the OTLP/HTTP port. 0 picks a free one. */
  port?: number | undefined;
  /** The address containers are told to send to; default: the bound host, or the bridge gateway when bound to all interfaces. */
  advertisedHost?: string | undefined;
  /** Containers' CPU, memory and network are sampled this often. */
  containerMetricsIntervalMs?: number;
}

/** What the session needs to move batches: its emit, and the ids it learns from `hello_ack`. */
export interface TelemetrySession {
  emit: Emit;
  agentId: () => string;
  serverId: () => string;
}

/**
 * Telemetry on this server: the receiver for OTLP and Sentry SDKs, container logs and
 * metrics, health-check results, all durably spooled and sent by the sender the connection
 * wires up with `connect`.
 */
export class AgentTelemetry {
  private sender: TelemetrySender | null = null;
  private droppedSinceAlert = countsByKind({});
  private lastDropAlertAt = 0;

  private constructor(
    readonly spool: TelemetrySpool,
    readonly receiver: TelemetryReceiver,
    private readonly containerLogs: ContainerLogCollector,
    private readonly containerMetrics: ContainerMetricsCollector,
    private readonly tokenHash: string,
    private readonly advertisedOrigin: URL,
    private readonly zstd: Zstd,
    private readonly log: Logger,
  ) {}

  static async start(options: AgentTelemetryOptions): Promise<AgentTelemetry> {
    const { docker, services, log } = options;
    const zstd = await loadZstd();
    const spool = await TelemetrySpool.open(path.join(options.dataDir, 'telemetry'), {
      maxBytes: DEFAULT_AGENT_CONFIG.telemetry_buffer_max_mb * BYTES_PER_MB,
      zstd,
      log,
    });
    const tokenHash = hashToken(options.agentToken);
    let telemetry: AgentTelemetry | undefined;
    const append = async (records: TelemetryRecords) => {
      const accepted = await spool.append(records);
      telemetry?.sender?.nudge();
      return accepted;
    };
    const offer = (records: TelemetryRecords) => void append(records).catch((error: unknown) => log.error(`telemetry spool: ${messageOf(error)}`));
    const host = options.host ?? (await bridgeGateway(docker, log));
    const receiver = await TelemetryReceiver.start({
      host,
      port: options.port ?? DEFAULT_RECEIVER_PORT,
      accept: append,
      directory: new ServiceDirectory(docker, services),
      agentTokenHash: tokenHash,
      retryAfterSeconds: () => telemetry?.sender?.retryAfterSeconds ?? DEFAULT_AGENT_CONFIG.telemetry_batch_interval_seconds,
      log,
    });
    const advertised = new URL(receiver.origin);
    if (options.advertisedHost) advertised.hostname = options.advertisedHost;
    else if (host === '0.0.0.0' || host === '::') advertised.hostname = await bridgeGateway(docker, log);
    telemetry = new AgentTelemetry(
      spool,
      receiver,
      new ContainerLogCollector(docker, services, offer, log),
      new ContainerMetricsCollector(docker, services, offer, log, options.containerMetricsIntervalMs),
      tokenHash,
      advertised,
      zstd,
      log,
    );
    telemetry.containerLogs.start();
    telemetry.containerMetrics.start();
    log.info({ receiver: receiver.origin.href, advertised: advertised.href, zstd: zstd.implementation }, 'telemetry receiver listening');
    return telemetry;
  }

  /** The sender for one connection; it runs until `stop`. */
  connect(session: TelemetrySession): TelemetrySender {
    const sender = new TelemetrySender(this.spool, {
      emit: session.emit,
      agentId: session.agentId,
      log: this.log,
      config: DEFAULT_AGENT_CONFIG,
      zstd: this.zstd,
      afterSeal: () => this.alertDrops(session),
    });
    this.sender = sender;
    return sender;
  }

  /** The Sentry DSN of a service on this server. */
  dsn(serviceId: string): string {
    return sentryDsn(this.tokenHash, serviceId, this.advertisedOrigin);
  }

  /**
   * Variables given to every container the agent deploys, so stock OpenTelemetry and Sentry
   * SDKs report here with no Syntra code. The service's own values win, except that Syntra's
   * resource attributes are appended to its OTEL_RESOURCE_ATTRIBUTES.
   */
  containerEnv(service: { service_id: string; deployment_id: string; service_name: string }, own: Record<string, string>): Record<string, string> {
    const attributes = `${RESOURCE_ATTRIBUTE.serviceId}=${service.service_id},${RESOURCE_ATTRIBUTE.deploymentId}=${service.deployment_id}`;
    return {
      OTEL_EXPORTER_OTLP_ENDPOINT: this.advertisedOrigin.origin,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: service.service_name,
      SENTRY_DSN: this.dsn(service.service_id),
      ...own,
      OTEL_RESOURCE_ATTRIBUTES: own.OTEL_RESOURCE_ATTRIBUTES ? `${own.OTEL_RESOURCE_ATTRIBUTES},${attributes}` : attributes,
    };
  }

  /** A periodic health probe's outcome, spooled as a HealthCheckResult. */
  recordHealthCheck(result: HealthCheckResult): void {
    const parsed = HealthCheckResult.safeParse(result);
    if (!parsed.success) return this.log.warn({ issues: parsed.error.issues }, 'a health check result does not fit the contract');
    void this.spool.append({ health_checks: [parsed.data] }).catch((error: unknown) => this.log.error(`telemetry spool: ${messageOf(error)}`));
  }

  async stop(): Promise<void> {
    this.containerLogs.stop();
    this.containerMetrics.stop();
    await this.receiver.close();
    await this.sender?.stop();
    await this.spool.close();
  }

  private alertDrops(session: TelemetrySession): void {
    const dropped = this.spool.takeDropped();
    for (const kind of Object.keys(dropped) as TelemetryKind[]) this.droppedSinceAlert[kind] += dropped[kind];
    if (Object.values(this.droppedSinceAlert).every((count) => count === 0) || Date.now() - this.lastDropAlertAt < DROP_ALERT_MIN_INTERVAL_MS) return;
    const counts = this.droppedSinceAlert;
    this.droppedSinceAlert = countsByKind({});
    this.lastDropAlertAt = Date.now();
    const limitMb = Math.round(this.spool.limitBytes / BYTES_PER_MB);
    session.emit({
      type: 'alert',
      payload: {
        alert_id: randomUUID(),
        server_id: session.serverId(),
        type: 'resource_critical',
        severity: counts.errors + counts.health_checks > 0 ? 'critical' : 'warning',
        title: 'Telemetry spool full: data dropped',
        message:
          `The agent's telemetry spool (${limitMb} MB) is full because the control plane has not taken its batches. ` +
          `Dropped ${counts.logs} log lines, ${counts.metrics} metric points, ${counts.traces} spans, ${counts.errors} error events ` +
          `and ${counts.health_checks} health-check results; its receivers answer 429 until there is room.`,
        timestamp: new Date().toISOString(),
        metadata: { resource: 'telemetry_spool', dropped: counts, spool_bytes: this.spool.usedBytes, limit_bytes: this.spool.limitBytes },
      },
    });
  }
}

/* The default bridge's gateway is an address of this host that every container can reach and other machines do not route to. */
async function bridgeGateway(docker: Docker, log: Logger): Promise<string> {
  try {
    const bridge = (await docker.getNetwork('bridge').inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
    const gateway = bridge.IPAM?.Config?.find((config) => config.Gateway)?.Gateway;
    if (gateway) return gateway;
  } catch (error) {
    log.warn(`cannot read Docker's bridge network: ${messageOf(error)}`);
  }
  log.warn('the telemetry receiver listens on 127.0.0.1: containers cannot reach it (set SYNTRA_AGENT_TELEMETRY_HOST)');
  return '127.0.0.1';
}
