import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { DEFAULT_AGENT_CONFIG, HealthCheckResult } from '../../contracts/index.js';
import { hashToken } from '../../contracts/token-hash.js';
import { emitAlert, type Emit } from '../outbound.js';
import { messageOf } from '../errors.js';
import { findContainerHostAddress, type ContainerHostAddress } from '../runtime/container-host-address.js';
import type { ServiceRegistry } from '../runtime/service-registry.js';
import { ContainerLogCollector } from './container-logs.js';
import { ContainerMetricsCollector } from './container-metrics.js';
import { sentryDsn } from './dsn.js';
import { DEFAULT_RECEIVER_PORT, TelemetryReceiver } from './receiver.js';
import { TelemetrySender } from './sender.js';
import { RESOURCE_ATTRIBUTE, ServiceTagger } from './service-tagger.js';
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
  /** Where the receiver listens. Default: an address of this host that containers reach and other machines do not (see container-host-address.ts). */
  host?: string | undefined;
  /** Default 4318, the OTLP/HTTP port. 0 picks a free one. */
  port?: number | undefined;
  /** The address containers are told to send to; default: the bound host, or the one found for containers when bound to all interfaces. */
  advertisedHost?: string | undefined;
  /** The Docker network whose gateway containers reach the host through; default the default bridge. */
  network?: string | undefined;
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
    /** Whether containers can reach the receiver, and how that was found out. */
    readonly reachability: ContainerHostAddress,
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
    const reachability = await reachabilityOf(options);
    const receiver = await TelemetryReceiver.start({
      host: reachability.bind,
      health: () => telemetry?.health(),
      port: options.port ?? DEFAULT_RECEIVER_PORT,
      accept: append,
      tagger: new ServiceTagger(docker, services),
      agentTokenHash: tokenHash,
      retryAfterSeconds: () => telemetry?.sender?.retryAfterSeconds ?? DEFAULT_AGENT_CONFIG.telemetry_batch_interval_seconds,
      log,
    });
    const advertised = new URL(receiver.origin);
    advertised.hostname = reachability.advertised.includes(':') ? `[${reachability.advertised}]` : reachability.advertised;
    telemetry = new AgentTelemetry(
      spool,
      receiver,
      new ContainerLogCollector(docker, services, offer, log),
      new ContainerMetricsCollector(docker, services, offer, log, options.containerMetricsIntervalMs),
      tokenHash,
      advertised,
      reachability,
      zstd,
      log,
    );
    telemetry.containerLogs.start();
    telemetry.containerMetrics.start();
    if (reachability.reachable) {
      log.info({ receiver: receiver.origin.href, advertised: advertised.href, found: reachability.source, zstd: zstd.implementation }, 'telemetry receiver listening');
    } else {
      log.error({ receiver: receiver.origin.href, reason: reachability.reason }, UNREACHABLE_TITLE);
    }
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
      onSession: () => this.alertUnreachable(session),
    });
    this.sender = sender;
    return sender;
  }

  /** Seals the spool and sends what is due now rather than at the sender's next interval, so a test can time what follows. */
  async flush(): Promise<void> {
    await this.sender?.tick();
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

  /** What the receiver's `GET /health` answers: degraded while containers cannot reach it. */
  health(): { status: 'ok' | 'degraded'; telemetry_receiver: ContainerHostAddress & { listening: string; advertised_origin: string } } {
    return {
      status: this.reachability.reachable ? 'ok' : 'degraded',
      telemetry_receiver: { ...this.reachability, listening: this.receiver.origin.origin, advertised_origin: this.advertisedOrigin.origin },
    };
  }

  /*
   * Said at the start of every session, since the control plane forgets an agent's standing
   * problems when it says hello again: the server page shows it until a restart finds an address.
   */
  private alertUnreachable(session: TelemetrySession): void {
    if (this.reachability.reachable) return;
    emitAlert(session.emit, session.serverId(), {
      type: 'resource_critical',
      severity: 'critical',
      title: UNREACHABLE_TITLE,
      message:
        `No address of this server that its containers can reach was found (${this.reachability.reason}), so the OpenTelemetry ` +
        `and Sentry data of the services deployed here is lost. Set SYNTRA_AGENT_TELEMETRY_HOST to such an address ` +
        `(for example the Docker bridge's gateway) and restart the agent.`,
      metadata: { resource: 'telemetry_receiver', standing: true, reason: this.reachability.reason },
    });
  }

  private alertDrops(session: TelemetrySession): void {
    const dropped = this.spool.takeDropped();
    for (const kind of Object.keys(dropped) as TelemetryKind[]) this.droppedSinceAlert[kind] += dropped[kind];
    if (Object.values(this.droppedSinceAlert).every((count) => count === 0) || Date.now() - this.lastDropAlertAt < DROP_ALERT_MIN_INTERVAL_MS) return;
    const counts = this.droppedSinceAlert;
    this.droppedSinceAlert = countsByKind({});
    this.lastDropAlertAt = Date.now();
    const limitMb = Math.round(this.spool.limitBytes / BYTES_PER_MB);
    emitAlert(session.emit, session.serverId(), {
      type: 'resource_critical',
      severity: counts.errors + counts.health_checks > 0 ? 'critical' : 'warning',
      title: 'Telemetry spool full: data dropped',
      message:
        `The agent's telemetry spool (${limitMb} MB) is full because the control plane has not taken its batches. ` +
        `Dropped ${counts.logs} log lines, ${counts.metrics} metric points, ${counts.traces} spans, ${counts.errors} error events ` +
        `and ${counts.health_checks} health-check results; its receivers answer 429 until there is room.`,
      metadata: { resource: 'telemetry_spool', dropped: counts, spool_bytes: this.spool.usedBytes, limit_bytes: this.spool.limitBytes },
    });
  }
}

const UNREACHABLE_TITLE = "Containers cannot reach the agent's telemetry receiver";

/* A configured host is taken as it is; bound to every interface, containers are told the address they reach. */
async function reachabilityOf(options: AgentTelemetryOptions): Promise<ContainerHostAddress> {
  const { host, advertisedHost } = options;
  if (host && host !== '0.0.0.0' && host !== '::') return { reachable: true, bind: host, advertised: advertisedHost ?? host, source: 'configured' };
  const found = await findContainerHostAddress(options.docker, { network: options.network });
  if (!host) return found;
  return advertisedHost || found.reachable ? { reachable: true, bind: host, advertised: advertisedHost ?? found.advertised, source: 'configured' } : { ...found, bind: host };
}
