import type { ClickHouseClient } from '@clickhouse/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/postgres/database.js';
import { createServer } from '../support/fixtures.js';

/*
 * Telemetry written straight into the stores, as ingest will write it: these tests prove the read
 * side, so they need rows they control to the nanosecond.
 */

let sequence = 0;

/** A project with one server and `count` services on it, in `orgId`. */
export async function projectWithServices(db: Kysely<Database>, orgId: string, count: number) {
  sequence += 1;
  const project = await db
    .insertInto('projects')
    .values({ org_id: orgId, name: `obs-${sequence}`, slug: `obs-${sequence}` })
    .returningAll()
    .executeTakeFirstOrThrow();
  const { server } = await createServer(db, orgId, `obs-host-${sequence}`);
  const services = [];
  for (let index = 0; index < count; index += 1) {
    services.push(
      await db
        .insertInto('services')
        .values({ project_id: project.id, server_id: server.id, name: `svc-${sequence}-${index}`, source_type: 'nixpacks' })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }
  return { project, server, services };
}

/** `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` (UTC), ClickHouse's text form of a DateTime64(9). */
export function clickhouseTime(millis: number, extraNanos = 0): string {
  const iso = new Date(millis).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(extraNanos).padStart(6, '0')}`;
}

export const deploymentId = '7d3f0a52-9b1e-4c6a-8f2d-1a2b3c4d5e6f';

export interface SpanSeed {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  serviceId: string;
  operation: string;
  startMillis: number;
  durationMs: number;
  status?: 'unset' | 'ok' | 'error';
}

export async function insertSpans(client: ClickHouseClient, spans: readonly SpanSeed[]): Promise<void> {
  await client.insert({
    table: 'traces',
    format: 'JSONEachRow',
    values: spans.map((span) => ({
      trace_id: span.traceId,
      span_id: span.spanId,
      parent_span_id: span.parentSpanId ?? '',
      service_id: span.serviceId,
      deployment_id: deploymentId,
      operation_name: span.operation,
      span_kind: span.parentSpanId ? 'internal' : 'server',
      start_time: clickhouseTime(span.startMillis),
      duration_ns: Math.round(span.durationMs * 1e6),
      status_code: span.status ?? 'unset',
      status_message: span.status === 'error' ? 'boom' : '',
      attributes: { 'http.route': '/checkout' },
      events: JSON.stringify([{ name: 'retry', timestamp_ns: span.startMillis * 1e6, attributes: { attempt: 1 } }]),
    })),
  });
}

export interface LogSeed {
  serviceId: string;
  millis: number;
  extraNanos?: number;
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  message: string;
}

export async function insertLogs(client: ClickHouseClient, logs: readonly LogSeed[]): Promise<void> {
  await client.insert({
    table: 'logs',
    format: 'JSONEachRow',
    values: logs.map((log) => ({
      timestamp: clickhouseTime(log.millis, log.extraNanos),
      service_id: log.serviceId,
      deployment_id: deploymentId,
      level: log.level,
      message: log.message,
      attributes: { logger: 'app' },
      trace_id: null,
      span_id: null,
      source: 'stdout',
    })),
  });
}

export interface MetricSeed {
  serviceId: string;
  serverId: string;
  name: string;
  millis: number;
  value: number;
  labels?: Record<string, string>;
}

/** Into `metrics_raw`, so the materialized view builds `metrics_1m` as in production. */
export async function insertMetrics(client: ClickHouseClient, points: readonly MetricSeed[]): Promise<void> {
  await client.insert({
    table: 'metrics_raw',
    format: 'JSONEachRow',
    values: points.map((point) => ({
      timestamp: clickhouseTime(point.millis).slice(0, 19),
      service_id: point.serviceId,
      server_id: point.serverId,
      metric_name: point.name,
      metric_type: 'gauge',
      value: point.value,
      labels: point.labels ?? {},
    })),
  });
}

/** The in-app frame of the refused database connection the AI tests analyse. */
export const refusedConnectFrame = { filename: 'src/db.ts', function: 'connect', lineno: 12, in_app: true, context_line: '  await pool.connect();' };

/**
 * A service's issue "connect ECONNREFUSED 127.0.0.1:5432", seen for an hour, with one stored event
 * of release 1.4.0 a minute ago whose stack is `frames`. Returns the issue's id.
 */
export async function refusedConnectionIssue(db: Kysely<Database>, serviceId: string, options: { eventCount: number; frames: object[] }): Promise<string> {
  const now = Date.now();
  const { id } = await db
    .insertInto('error_groups')
    .values({
      service_id: serviceId,
      fingerprint: 'refused',
      title: 'connect ECONNREFUSED 127.0.0.1:5432',
      exception_type: 'Error',
      first_seen_at: new Date(now - 3_600_000),
      last_seen_at: new Date(now - 60_000),
      event_count: options.eventCount,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('error_events')
    .values({ error_group_id: id, stack_trace: JSON.stringify(options.frames), breadcrumbs: JSON.stringify([]), release: '1.4.0', timestamp: new Date(now - 60_000) })
    .execute();
  return id;
}
