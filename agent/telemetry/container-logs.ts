import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { LogEntry } from '../../contracts/index.js';
import { messageOf } from '../errors.js';
import { LABEL } from '../runtime/docker.js';
import { LogFrameDecoder, type DecodedLogLine } from '../runtime/log-frames.js';
import type { ServiceRegistry } from '../runtime/service-registry.js';
import { parseLogLine } from './log-line.js';
import type { TelemetryRecords } from './telemetry-data.js';

/* New containers are noticed within this long; their output since they started is read, so nothing is missed. */
export const CONTAINER_SCAN_INTERVAL_MS = 2_000;
/* Lines are handed to the spool in groups: one fsync per second per agent, not per line. */
const LOG_FLUSH_INTERVAL_MS = 1_000;
const LOG_FLUSH_MAX_LINES = 1_000;

interface Follow {
  stream: Readable;
  serviceId: string;
  deploymentId: string;
}

/**
 * Turns the stdout and stderr of every managed container of this server into LogEntry
 * records. A container running when the agent starts is read from that moment (what it printed
 * while no agent ran is not collected); one that starts later, or restarts, is read from its
 * start, continuing after the last line already taken.
 */
export class ContainerLogCollector {
  private readonly follows = new Map<string, Follow>();
  /* RFC 3339 time of the last line taken per container, so a restarted follow does not repeat lines. */
  private readonly lastLineAt = new Map<string, string>();
  private pending: LogEntry[] = [];
  private scanTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly docker: Docker,
    private readonly services: ServiceRegistry,
    private readonly offer: (records: TelemetryRecords) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.scanTimer) return;
    const scan = () => {
      void this.scan().finally(() => {
        if (this.scanTimer) this.scanTimer = setTimeout(scan, CONTAINER_SCAN_INTERVAL_MS);
      });
    };
    this.scanTimer = setTimeout(scan, 0);
    this.flushTimer = setInterval(() => this.flush(), LOG_FLUSH_INTERVAL_MS);
  }

  stop(): void {
    if (this.scanTimer) clearTimeout(this.scanTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.scanTimer = this.flushTimer = null;
    for (const follow of this.follows.values()) follow.stream.destroy();
    this.follows.clear();
    this.flush();
  }

  private async scan(): Promise<void> {
    let containers: Docker.ContainerInfo[];
    try {
      containers = await this.docker.listContainers({ all: true, filters: this.services.ownedFilter() });
    } catch (error) {
      return this.log.debug(`container logs: listing containers failed: ${messageOf(error)}`);
    }
    for (const container of containers) {
      const serviceId = container.Labels[LABEL.serviceId];
      const deploymentId = container.Labels[LABEL.deploymentId];
      if (!serviceId || !deploymentId || container.State !== 'running' || this.follows.has(container.Id) || !this.scanTimer) continue;
      await this.follow(container, serviceId, deploymentId).catch((error: unknown) =>
        this.log.debug({ containerId: container.Id }, `container logs: cannot follow: ${messageOf(error)}`),
      );
    }
    // A stopped container keeps its place: the supervisor may start it again.
    const existing = new Set(containers.map((container) => container.Id));
    for (const containerId of this.lastLineAt.keys()) if (!existing.has(containerId)) this.lastLineAt.delete(containerId);
  }

  private async follow(container: Docker.ContainerInfo, serviceId: string, deploymentId: string): Promise<void> {
    const since = this.lastLineAt.get(container.Id) ?? (container.Created * 1000 < Date.parse(this.startedAt) ? this.startedAt : undefined);
    const stream = (await this.docker.getContainer(container.Id).logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      ...(since !== undefined && { since: dockerTimeAfter(since) }),
    })) as unknown as Readable;
    this.follows.set(container.Id, { stream, serviceId, deploymentId });
    const decoder = new LogFrameDecoder(true);
    const take = (lines: DecodedLogLine[]) => {
      for (const line of lines) this.take(container.Id, serviceId, deploymentId, line);
    };
    stream.on('data', (chunk: Buffer) => take(decoder.push(chunk)));
    stream.on('error', () => undefined);
    stream.on('close', () => {
      take(decoder.flush());
      if (this.follows.get(container.Id)?.stream === stream) this.follows.delete(container.Id);
    });
  }

  private take(containerId: string, serviceId: string, deploymentId: string, line: DecodedLogLine): void {
    if (line.timestamp) this.lastLineAt.set(containerId, line.timestamp);
    const parsed = LogEntry.safeParse({
      timestamp: line.timestamp ?? new Date().toISOString(),
      service_id: serviceId,
      deployment_id: deploymentId,
      source: line.stream,
      ...parseLogLine(line.line, line.stream),
    });
    if (!parsed.success) return;
    this.pending.push(parsed.data);
    if (this.pending.length >= LOG_FLUSH_MAX_LINES) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const logs = this.pending;
    this.pending = [];
    this.offer({ logs });
  }
}

/*
 * Docker's `since` is inclusive and takes "seconds.nanoseconds": one nanosecond after the last
 * line taken, computed from the RFC 3339 text so no precision is lost.
 */
function dockerTimeAfter(rfc3339: string): string {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  const seconds = Math.floor(Date.parse(match ? `${match[1]}${match[3]}` : rfc3339) / 1000);
  const nanos = BigInt(seconds) * 1_000_000_000n + BigInt((match?.[2] ?? '').padEnd(9, '0').slice(0, 9) || '0') + 1n;
  return `${nanos / 1_000_000_000n}.${String(nanos % 1_000_000_000n).padStart(9, '0')}`;
}
