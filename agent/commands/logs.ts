import type { Readable } from 'node:stream';
import type { ContainerLogLine, LogsSubscribePayload, LogsUnsubscribePayload } from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import type { Emit } from '../outbound.js';
import { AgentError, isNotFound } from '../errors.js';
import { decodeLogBuffer, LogFrameDecoder, type DecodedLogLine } from '../runtime/log-frames.js';

/* One log_stream frame holds at most this many lines; a larger tail goes out as several frames. */
export const LOG_CHUNK_MAX_LINES = 500;
/* Followed lines are batched this long, so a chatty container sends a frame per interval, not per line. */
export const LOG_FLUSH_INTERVAL_MS = 250;

export interface LogsSubscribeResult {
  subscription_id: string;
  container_ids: string[];
  following: boolean;
  /** Lines sent, for a subscription without `follow` (it is complete when this answer goes out). */
  lines?: number;
}

/** Docker takes `since`/`until` as "seconds.nanoseconds" since the epoch. */
function dockerTime(iso: string): string {
  const ms = Date.parse(iso);
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, '0')}`;
}

function toLogLine(decoded: DecodedLogLine): ContainerLogLine {
  return { timestamp: decoded.timestamp ?? new Date().toISOString(), stream: decoded.stream, line: decoded.line };
}

interface Following {
  serviceId: string;
  streams: Map<string, Readable>;
  pending: Map<string, ContainerLogLine[]>;
  timer: NodeJS.Timeout;
  lastContainerId: string;
}

/**
 * `logs_subscribe` / `logs_unsubscribe`: a container's tail is sent as `log_stream` frames with
 * `eof` on the last one. A followed subscription keeps streaming until it is unsubscribed or
 * every container of the service ends (stopped, removed, or `until` reached).
 */
export class LogSubscriptions {
  private readonly following = new Map<string, Following>();

  constructor(
    private readonly context: AgentContext,
    private readonly emit: Emit,
  ) {}

  async subscribe(payload: LogsSubscribePayload): Promise<LogsSubscribeResult> {
    const known = this.following.get(payload.request_id);
    if (known) return { subscription_id: payload.request_id, container_ids: [...known.streams.keys()], following: true };
    const replicas = await this.context.services.replicas(payload.service_id);
    if (replicas.length === 0) throw new AgentError('CONTAINER_NOT_FOUND', `No container of service ${payload.service_id} runs on this server`);
    const options = {
      stdout: true,
      stderr: true,
      timestamps: true,
      tail: payload.tail,
      ...(payload.since === undefined ? {} : { since: dockerTime(payload.since) }),
      ...(payload.until === undefined ? {} : { until: dockerTime(payload.until) }),
    };
    const containerIds = replicas.map((replica) => replica.containerId);
    if (!payload.follow) {
      let sent = 0;
      for (const [position, containerId] of containerIds.entries()) {
        const buffer = await this.context.docker.getContainer(containerId).logs({ ...options, follow: false });
        const lines = decodeLogBuffer(buffer, true).map(toLogLine);
        sent += lines.length;
        this.send(payload, containerId, lines, position === containerIds.length - 1);
      }
      return { subscription_id: payload.request_id, container_ids: containerIds, following: false, lines: sent };
    }

    const subscription: Following = {
      serviceId: payload.service_id,
      streams: new Map(),
      pending: new Map(),
      timer: setInterval(() => this.flush(payload.request_id, payload), LOG_FLUSH_INTERVAL_MS),
      lastContainerId: containerIds.at(-1)!,
    };
    this.following.set(payload.request_id, subscription);
    try {
      for (const containerId of containerIds) {
        const stream = (await this.context.docker.getContainer(containerId).logs({ ...options, follow: true })) as Readable;
        const decoder = new LogFrameDecoder(true);
        subscription.streams.set(containerId, stream);
        subscription.pending.set(containerId, []);
        stream.on('data', (chunk: Buffer) => subscription.pending.get(containerId)?.push(...decoder.push(chunk).map(toLogLine)));
        const ended = () => {
          subscription.pending.get(containerId)?.push(...decoder.flush().map(toLogLine));
          if (subscription.streams.delete(containerId) && subscription.streams.size === 0) this.end(payload.request_id, payload);
        };
        stream.once('end', ended);
        stream.once('close', ended);
        stream.once('error', ended);
      }
    } catch (error) {
      this.end(payload.request_id, payload);
      if (isNotFound(error)) throw new AgentError('CONTAINER_NOT_FOUND', 'A container of the service was removed while subscribing');
      throw error;
    }
    return { subscription_id: payload.request_id, container_ids: containerIds, following: true };
  }

  /** Ends a followed subscription; the control plane gets its last lines and `eof`. */
  unsubscribe(payload: LogsUnsubscribePayload): { subscription_id: string; ended: boolean } {
    const subscription = this.following.get(payload.subscription_id);
    if (!subscription || subscription.serviceId !== payload.service_id) {
      throw new AgentError('SUBSCRIPTION_NOT_FOUND', `No log subscription ${payload.subscription_id} for service ${payload.service_id}`);
    }
    this.end(payload.subscription_id, { request_id: payload.subscription_id, service_id: payload.service_id });
    return { subscription_id: payload.subscription_id, ended: true };
  }

  close(): void {
    for (const [id, subscription] of this.following) this.end(id, { request_id: id, service_id: subscription.serviceId });
  }

  private flush(id: string, target: Pick<LogsSubscribePayload, 'request_id' | 'service_id'>): void {
    const subscription = this.following.get(id);
    if (!subscription) return;
    for (const [containerId, lines] of subscription.pending) {
      if (lines.length === 0) continue;
      subscription.pending.set(containerId, []);
      this.send(target, containerId, lines, false);
    }
  }

  private end(id: string, target: Pick<LogsSubscribePayload, 'request_id' | 'service_id'>): void {
    const subscription = this.following.get(id);
    if (!subscription) return;
    this.flush(id, target);
    this.following.delete(id);
    clearInterval(subscription.timer);
    for (const stream of subscription.streams.values()) stream.destroy();
    this.send(target, subscription.lastContainerId, [], true);
  }

  private send(target: Pick<LogsSubscribePayload, 'request_id' | 'service_id'>, containerId: string, lines: ContainerLogLine[], eof: boolean): void {
    const chunks: ContainerLogLine[][] = [];
    for (let start = 0; start < lines.length; start += LOG_CHUNK_MAX_LINES) chunks.push(lines.slice(start, start + LOG_CHUNK_MAX_LINES));
    if (chunks.length === 0 && eof) chunks.push([]);
    for (const [position, chunk] of chunks.entries()) {
      const last = eof && position === chunks.length - 1;
      this.emit({
        type: 'log_stream',
        payload: {
          request_id: target.request_id,
          service_id: target.service_id,
          container_id: containerId,
          lines: chunk,
          ...(last ? { eof: true } : {}),
        },
      });
    }
  }
}
