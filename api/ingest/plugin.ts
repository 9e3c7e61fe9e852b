import type { FastifyInstance } from 'fastify';
import { pruneBatches } from '../../db/queries/telemetry-batches.js';
import type { Platform } from '../../control/platform.js';
import { modelIncidentSummaries } from '../../control/ai/incident-summary-runs.js';
import { AlertEvaluator } from '../alerting/alert-evaluator.js';
import { TelemetryIngest } from './telemetry-ingest.js';

/**
 * How long a batch id is remembered. An agent resends an unacknowledged batch for as long as its
 * spool keeps it; past a week, a resend would be stored again (errors still once, by event id).
 */
export const batchRetentionHours = 7 * 24;
const pruneIntervalMs = 60 * 60 * 1000;

/**
 * Wires ingest to the gateway: every validated `telemetry_batch` is stored and then acknowledged
 * on the session that holds the agent now (a reconnect while it was written is fine: the agent
 * matches acks by batch id), each heartbeat's resources become the host's metrics, and agents'
 * `alert`s reach the alert evaluator, which also runs on its schedule; its incidents' summaries by
 * a model take from the organization's AI limit `limitAiCalls`. Requires the gateway to be
 * registered first.
 */
export function registerTelemetryIngest(app: FastifyInstance, platform: Platform, limitAiCalls: (orgId: string) => Promise<void>): void {
  const log = app.log.child({ component: 'telemetry-ingest' });
  const ingest = new TelemetryIngest({ db: platform.db, clickhouse: platform.clickhouse.client, log });
  const alerts = new AlertEvaluator({
    db: platform.db,
    clickhouse: platform.clickhouse.client,
    secrets: platform.secrets,
    log,
    requestModelSummary: modelIncidentSummaries(platform, limitAiCalls),
  });
  app.agentGateway.events.on('telemetry_batch', (serverId, payload) => {
    void ingest.ingest(serverId, payload).then((ack) => app.agentGateway.session(serverId)?.acknowledgeTelemetry(ack));
  });
  app.agentGateway.events.on('heartbeat', (serverId, payload) => ingest.recordHostMetrics(serverId, payload));
  app.agentGateway.events.on('alert', (serverId, payload) => {
    alerts.agentAlert(serverId, payload).catch((error: unknown) => log.error({ err: error, serverId }, 'agent alert could not be handled'));
  });
  alerts.start(platform.config.SYNTRA_ALERT_EVALUATION_SECONDS);
  const prune = setInterval(() => {
    pruneBatches(platform.db, batchRetentionHours).catch((error: unknown) => log.error({ err: error }, 'pruning telemetry batch ids failed'));
  }, pruneIntervalMs);
  prune.unref();
  app.addHook('onClose', async () => {
    clearInterval(prune);
    await alerts.stop();
    await ingest.close();
  });
}
