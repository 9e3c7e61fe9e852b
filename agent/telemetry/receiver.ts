import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { ErrorEvent, TraceSpan } from '../../contracts/index.js';
import { serviceOfKey } from './dsn.js';
import { mapLogs, mapMetrics, mapTraces, type ResolveResource } from './otlp-mapping.js';
import { decodeExportRequest, encodeExportResponse, encodingOf, MalformedOtlp, type OtlpEncoding, type OtlpSignal, type SignalRequests } from './otlp-codec.js';
import { decodeTraceColumns } from './otlp-trace-protobuf.js';
import { BodyError, readRequestBody } from './request-body.js';
import { MalformedEnvelope, parseEnvelope, parseEvent, type EnvelopeEvent } from './sentry-envelope.js';
import { errorEventFrom, spansFrom, streamedSpansFrom } from './sentry-mapping.js';
import { RESOURCE_ATTRIBUTE, type ServiceTagger, type ServiceTag } from './service-tagger.js';
import type { TelemetryRecords } from './telemetry-data.js';

/** The OTLP/HTTP port every OpenTelemetry SDK exports to by default. */
export const DEFAULT_RECEIVER_PORT = 4318;

const OTLP_PATHS: Record<string, OtlpSignal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };
/** The agent's own health: for the operator, a supervisor or a load balancer. */
export const HEALTH_PATH = '/health';
const SENTRY_PATH = /^\/api\/(\d+)\/(envelope|store)\/?$/;

export interface TelemetryReceiverOptions {
  host: string;
  port: number;
  /** Resolves true once the records are durably spooled, false when the spool is full. */
  accept: (records: TelemetryRecords) => Promise<boolean>;
  tagger: ServiceTagger;
  /** SHA-256 hex of the agent token: the secret Sentry keys derive from (see dsn.ts). */
  agentTokenHash: string;
  /** What `GET /health` answers; its `status` other than "ok" makes it a 503. */
  health?: () => unknown;
  /** Told to a sender answered 429. */
  retryAfterSeconds: () => number;
  log: Logger;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The agent's local telemetry endpoint for the containers it runs: OTLP/HTTP (`/v1/traces`,
 * `/v1/logs`, `/v1/metrics`, protobuf or JSON, gzip) and Sentry ingest (`/api/<id>/envelope/`,
 * `/api/<id>/store/`). A 2xx means the records are on disk; 429 means the spool is full.
 */
export class TelemetryReceiver {
  private constructor(
    private readonly server: Server,
    private readonly options: TelemetryReceiverOptions,
  ) {}

  static async start(options: TelemetryReceiverOptions): Promise<TelemetryReceiver> {
    const server = createServer();
    const receiver = new TelemetryReceiver(server, options);
    server.on('request', (request, response) => void receiver.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return receiver;
  }

  /** `http://host:port` as bound (the port resolved when 0 was asked for). */
  get origin(): URL {
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new URL(`http://${host}:${address.port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://receiver');
    const signal = OTLP_PATHS[url.pathname];
    const sentry = SENTRY_PATH.exec(url.pathname);
    try {
      if (url.pathname === HEALTH_PATH && request.method === 'GET' && this.options.health) return this.answerHealth(response);
      if (!signal && !sentry) throw new Refusal(404, `no telemetry endpoint at ${url.pathname}`);
      if (request.method !== 'POST') throw new Refusal(405, 'only POST is accepted');
      if (signal) await this.otlp(signal, request, response);
      else await this.sentry(sentry![2] as 'envelope' | 'store', url, request, response);
    } catch (error) {
      this.refuse(request, response, error);
    }
  }

  private answerHealth(response: ServerResponse): void {
    const health = this.options.health?.() as { status?: string } | undefined;
    response.writeHead(health?.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
    response.end(JSON.stringify(health ?? { status: 'starting' }));
  }

  private async otlp(signal: OtlpSignal, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const encoding = encodingOf(request.headers['content-type']);
    if (!encoding) throw new Refusal(415, 'OTLP/HTTP takes application/x-protobuf or application/json');
    const body = await readRequestBody(request);
    const sender = await this.options.tagger.fromAddress(request.socket.remoteAddress);
    const resolve: ResolveResource = (attributes) =>
      this.options.tagger.tag(attributes[RESOURCE_ATTRIBUTE.serviceId], attributes[RESOURCE_ATTRIBUTE.deploymentId], sender);
    const mapped = recordsOf(signal, encoding, body, resolve);
    if (!(await this.options.accept(mapped.records))) throw new Refusal(429, 'the telemetry spool is full');
    if (mapped.rejected > 0) this.options.log.debug({ signal, rejected: mapped.rejected, reason: mapped.errorMessage }, 'OTLP records refused');
    response.writeHead(200, { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' });
    response.end(encodeExportResponse(signal, encoding, mapped.rejected, mapped.errorMessage));
  }

  private async sentry(endpoint: 'envelope' | 'store', url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const key = url.searchParams.get('sentry_key') ?? sentryAuthKey(request.headers['x-sentry-auth']);
    if (!key) throw new Refusal(401, 'missing sentry_key (query) or X-Sentry-Auth header');
    const serviceId = serviceOfKey(this.options.agentTokenHash, key, this.options.tagger.serviceIds());
    if (!serviceId) throw new Refusal(401, 'unknown Sentry key: use the DSN Syntra shows for the service');
    const body = await readRequestBody(request);
    const sender = await this.options.tagger.fromAddress(request.socket.remoteAddress);
    const service = this.options.tagger.tag(serviceId, undefined, sender);
    if (!service) throw new Refusal(401, 'the service of this key has no deployment on this server');
    let eventId: string | undefined;
    let items: EnvelopeEvent[];
    if (endpoint === 'envelope') {
      ({ eventId, items } = parseEnvelope(body));
    } else {
      const event = parseEvent(body);
      eventId = event.event_id;
      items = [{ type: event.type === 'transaction' ? 'transaction' : 'event', event }];
    }
    const records = sentryRecords(items, service);
    if (!(await this.options.accept(records))) throw new Refusal(429, 'the telemetry spool is full');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(eventId ? { id: eventId } : {}));
  }

  private refuse(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    const status =
      error instanceof Refusal || error instanceof BodyError
        ? error.status
        : error instanceof MalformedOtlp || error instanceof MalformedEnvelope
          ? 400
          : 500;
    const message = error instanceof Error ? error.message : String(error);
    if (status === 500) this.options.log.error({ path: request.url }, `telemetry receiver failed: ${message}`);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 429) headers['retry-after'] = String(this.options.retryAfterSeconds());
    // A body refused before it was read whole would otherwise be parsed as the next request.
    if (!request.complete) headers.connection = 'close';
    if (response.headersSent) return void response.destroy();
    response.writeHead(status, headers);
    response.end(JSON.stringify({ code: status, message }));
  }
}

/** What one export request yields: the records to spool, and how many were refused and why (`partial_success`). */
interface Received {
  records: TelemetryRecords;
  rejected: number;
  errorMessage: string | undefined;
}

/* Protobuf spans, the bulk, are read straight into columns; everything else is decoded, then mapped. */
function recordsOf(signal: OtlpSignal, encoding: OtlpEncoding, body: Buffer, resolve: ResolveResource): Received {
  if (signal === 'traces' && encoding === 'protobuf') {
    const { blocks, ...refused } = decodeTraceColumns(body, resolve);
    return { records: { spanColumnsJson: blocks }, ...refused };
  }
  const request = decodeExportRequest(signal, encoding, body);
  const mapped =
    signal === 'traces'
      ? mapTraces(request as SignalRequests['traces'], resolve)
      : signal === 'logs'
        ? mapLogs(request as SignalRequests['logs'], resolve)
        : mapMetrics(request as SignalRequests['metrics'], resolve);
  return { ...mapped, records: { [signal]: mapped.records } };
}

/* Sentry has no partial success: an item the contract cannot hold makes the whole request a 400 the SDK logs. */
function sentryRecords(items: EnvelopeEvent[], service: ServiceTag): TelemetryRecords {
  const errors: ErrorEvent[] = [];
  const traces: TraceSpan[] = [];
  for (const item of items) {
    if (item.type === 'event') errors.push(validated(ErrorEvent, errorEventFrom(item.event, service)));
    else traces.push(...(item.type === 'span' ? streamedSpansFrom(item.spans, service) : spansFrom(item.event, service)).map((span) => validated(TraceSpan, span)));
  }
  return { errors, traces };
}

function validated<T>(schema: z.ZodType<T>, candidate: T): T {
  const parsed = schema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new MalformedEnvelope(`the event cannot be stored: ${issue?.path.join('.')}: ${issue?.message}`);
}

/** `Sentry sentry_version=7, sentry_key=abc, sentry_client=…` → `abc`. */
function sentryAuthKey(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value ? /sentry_key=([^,\s]+)/.exec(value)?.[1] : undefined;
}
