import { createHash, randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Kysely } from 'kysely';
import {
  selectSpans,
  spanColumnsOf,
  type HeartbeatPayload,
  type SpanColumns,
  type TelemetryAckPayload,
  type TelemetryBatchPayload,
  type TelemetryData,
} from '../../contracts/index.js';
import { ClickHouseBatchWriter, defaultBatchWriterOptions, jsonColumns, jsonRows, type BatchWriterOptions } from '../../db/clickhouse/writer.js';
import type { Database } from '../../db/postgres/database.js';
import { notify } from '../../db/postgres/notifications.js';
import { recordErrorEvents, type GroupedErrorEvent } from '../../db/queries/error-groups.js';
import { logRow, withoutStoredLogs, type LogRow } from '../../db/clickhouse/logs.js';
import { metricRow, withoutStoredMetrics, type MetricRow } from '../../db/clickhouse/metrics.js';
import { spanBlock, withoutStoredSpans, type SpanBlock } from '../../db/clickhouse/traces.js';
import { claimBatch, markBatchStored, type BatchState } from '../../db/queries/telemetry-batches.js';
import { recordHealthChecks } from '../../db/queries/telemetry-health.js';
import { deploymentsOfServices, servicesOnServer } from '../../db/queries/telemetry-targets.js';
import { decodeBatch } from './decode-batch.js';
import { groupError } from './error-grouping.js';
import { hostMetricRows } from './host-metrics.js';
import { eventSeverity, rateIssues } from './issue-severity.js';

/**
 * Beyond this many batches being written at once, new ones are refused with a code that tells a
 * 1.1 agent to keep them and resend: its spool holds them, our memory need not.
 */
export const maxBatchesInFlight = 64;

export interface TelemetryIngestDeps {
  db: Kysely<Database>;
  clickhouse: ClickHouseClient;
  log: Logger;
  writerOptions?: BatchWriterOptions;
}

type Ack = TelemetryAckPayload;

/**
 * Turns an agent's `telemetry_batch` into stored telemetry and the `telemetry_ack` that says so.
 * The ack is accepted only once everything is durable: ClickHouse rows inserted, then errors,
 * health checks and the batch's "stored" mark committed in one PostgreSQL transaction. So a batch
 * is either acknowledged and whole, or unacknowledged and resent; a resend of a stored batch is
 * acknowledged without writing, and one of an interrupted batch writes only what is missing.
 */
export class TelemetryIngest {
  private readonly spans: ClickHouseBatchWriter<SpanBlock>;
  private readonly logs: ClickHouseBatchWriter<LogRow>;
  private readonly metrics: ClickHouseBatchWriter<MetricRow>;
  private readonly inFlight = new Map<string, Promise<Ack>>();
  private closing = false;
  /** Names this process's claims on batches (telemetry_batches.claimed_by). */
  private readonly claimant = randomUUID();

  constructor(private readonly deps: TelemetryIngestDeps) {
    const options = deps.writerOptions ?? defaultBatchWriterOptions;
    this.spans = new ClickHouseBatchWriter<SpanBlock>(deps.clickhouse, 'traces', jsonColumns, options);
    this.logs = new ClickHouseBatchWriter<LogRow>(deps.clickhouse, 'logs', jsonRows, options);
    this.metrics = new ClickHouseBatchWriter<MetricRow>(deps.clickhouse, 'metrics_raw', jsonRows, options);
  }

  /** Never rejects: every failure becomes a refusing ack. */
  ingest(serverId: string, payload: TelemetryBatchPayload): Promise<Ack> {
    const key = `${serverId}/${payload.batch_id}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    if (this.closing) return Promise.resolve(retryLater(payload.batch_id, 'INGEST_CLOSING', 'the control plane is stopping'));
    if (this.inFlight.size >= maxBatchesInFlight) {
      return Promise.resolve(retryLater(payload.batch_id, 'INGEST_BUSY', `${maxBatchesInFlight} batches are being written`));
    }
    const stored = this.store(serverId, payload).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, stored);
    return stored;
  }

  /**
   * A heartbeat's resources as the host's metric points, through the same buffered writer as the
   * batches' metrics. Nothing acknowledges a heartbeat, so nothing waits for the insert: a point
   * that fails to be stored is a gap in the host's series, and the next heartbeat brings the next.
   */
  recordHostMetrics(serverId: string, heartbeat: HeartbeatPayload): void {
    if (this.closing) return;
    this.metrics.write(hostMetricRows(serverId, heartbeat)).catch((error: unknown) => {
      this.deps.log.error({ err: error, serverId }, 'host metrics could not be stored');
    });
  }

  /** Lets running batches finish (their rows are flushed), refusing new ones. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.inFlight.values()]);
    await Promise.all([this.spans.flush(), this.logs.flush(), this.metrics.flush()]);
  }

  private async store(serverId: string, payload: TelemetryBatchPayload): Promise<Ack> {
    const decoded = decodeBatch(payload);
    if (!decoded.ok) {
      this.deps.log.warn({ serverId, batchId: payload.batch_id, reason: decoded.reason }, 'telemetry batch rejected');
      return { batch_id: payload.batch_id, accepted: false, error: { code: 'VALIDATION_ERROR', message: decoded.reason } };
    }
    try {
      // Both round trips at once: which services are this server's does not depend on the claim.
      const batch = withSpanBlocks(decoded.data);
      const [state, ours] = await Promise.all([
        claimBatch(this.deps.db, serverId, payload.batch_id, this.claimant),
        servicesOnServer(this.deps.db, serverId, serviceIdsOf(batch)),
      ]);
      // Its agent moved here while another process still writes it: that one's ack is lost, so
      // the agent sends it again later and finds it stored (or, past the lease, taken over).
      if (state === 'busy') return retryLater(payload.batch_id, 'INGEST_BUSY', 'another control-plane process is storing this batch; send it again later');
      if (state !== 'stored') await this.write(serverId, payload.batch_id, batch, state, ours);
      return { batch_id: payload.batch_id, accepted: true };
    } catch (error) {
      this.deps.log.error({ err: error, serverId, batchId: payload.batch_id }, 'telemetry batch could not be stored');
      return retryLater(payload.batch_id, 'INGEST_FAILED', 'the batch could not be stored; send it again later');
    }
  }

  private async write(serverId: string, batchId: string, data: Batch, state: Exclude<BatchState, 'stored' | 'busy'>, ours: ReadonlySet<string>): Promise<void> {
    const { db, clickhouse } = this.deps;
    const kept = keepServices(data, ours);
    const dropped = countRecords(data) - countRecords(kept);
    if (dropped > 0) this.deps.log.warn({ serverId, batchId, dropped }, 'telemetry of services not on this server dropped');

    let spans = kept.spanBlocks;
    let logs = kept.logs.map(logRow);
    let metrics = kept.metrics.map((point) => metricRow(point, serverId));
    if (state === 'interrupted') {
      [spans, logs, metrics] = await Promise.all([
        withoutStoredSpans(clickhouse, spans),
        withoutStoredLogs(clickhouse, logs),
        withoutStoredMetrics(clickhouse, metrics),
      ]);
    }
    const [errors] = await Promise.all([
      this.groupErrors(kept, ours),
      this.spans.write(spans.map(spanBlock)),
      this.logs.write(logs),
      this.metrics.write(metrics),
    ]);
    // A batch of spans and metrics alone has nothing for PostgreSQL but its mark: one statement, no transaction.
    if (errors.length === 0 && kept.health_checks.length === 0 && logs.length === 0) return markBatchStored(db, serverId, batchId);
    await db.transaction().execute(async (trx) => {
      await rateIssues(trx, await recordErrorEvents(trx, errors));
      await recordHealthChecks(trx, kept.health_checks);
      await markBatchStored(trx, serverId, batchId);
      // Live tails (api/live/) read the new lines from ClickHouse once this commits.
      for (const serviceId of new Set(logs.map((row) => row.service_id))) await notify(trx, 'service_logs', { service_id: serviceId });
    });
  }

  private async groupErrors(data: Batch, services: ReadonlySet<string>): Promise<GroupedErrorEvent[]> {
    if (data.errors.length === 0) return [];
    const deployments = await deploymentsOfServices(this.deps.db, services, data.errors.map((event) => event.deployment_id));
    return data.errors.map((event) => ({
      event,
      ...groupError(event),
      deploymentId: deployments.has(event.deployment_id) ? event.deployment_id : null,
      userIdHash: event.context.user ? hashUserId(event.service_id, event.context.user.id) : null,
      severity: eventSeverity(event),
    }));
  }
}

function retryLater(batchId: string, code: string, message: string): Ack {
  return { batch_id: batchId, accepted: false, error: { code, message } };
}

/*
 * Users are counted, never stored: the id is hashed with its service, so the same id in two
 * services (or a guessable id such as an e-mail) does not give away who it is across the store.
 */
export function hashUserId(serviceId: string, userId: string): string {
  return createHash('sha256').update(`${serviceId}:${userId}`).digest('hex');
}

/*
 * One shape for every span of a batch: a 1.2 agent's column blocks, and the records of an older
 * one (or of a 1.2 agent's journal from before its update) as one more block.
 */
interface Batch extends Omit<TelemetryData, 'traces' | 'span_columns'> {
  spanBlocks: SpanColumns[];
}

function withSpanBlocks({ traces, span_columns: blocks = [], ...records }: TelemetryData): Batch {
  return { ...records, spanBlocks: traces.length === 0 ? blocks : [...blocks, spanColumnsOf(traces)] };
}

/* Distinct ids: a batch of ten thousand spans usually names one or two services. */
function serviceIdsOf(batch: Batch): string[] {
  const ids = new Set<string>();
  const add = (record: { service_id: string }) => ids.add(record.service_id);
  for (const records of [batch.errors, batch.logs, batch.metrics, batch.health_checks]) records.forEach(add);
  for (const block of batch.spanBlocks) for (const id of block.service_id) ids.add(id);
  return [...ids];
}

function keepServices(batch: Batch, services: ReadonlySet<string>): Batch {
  const ours = (record: { service_id: string }) => services.has(record.service_id);
  return {
    errors: batch.errors.filter(ours),
    spanBlocks: batch.spanBlocks.map((block) =>
      block.service_id.every((id) => services.has(id)) ? block : selectSpans(block, (index) => services.has(block.service_id[index]!)),
    ),
    logs: batch.logs.filter(ours),
    metrics: batch.metrics.filter(ours),
    health_checks: batch.health_checks.filter(ours),
  };
}

function countRecords(batch: Batch): number {
  const spans = batch.spanBlocks.reduce((sum, block) => sum + block.trace_id.length, 0);
  return batch.errors.length + spans + batch.logs.length + batch.metrics.length + batch.health_checks.length;
}
