import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Kysely } from 'kysely';
import type { AlertPayload } from '../../contracts/index.js';
import type { AlertIncidentRow, AlertRow, Database } from '../../db/postgres/database.js';
import { activeAlertRules, openIncident, openIncidentOf, resolveIncident, rulesWatchingServer, updateIncident } from '../../db/queries/telemetry-alerts.js';
import { servicesOnServer } from '../../db/queries/telemetry-targets.js';
import { writeIncidentSummary } from '../../control/ai/incident-summary.js';
import type { RequestModelSummary } from '../../control/ai/incident-summary-runs.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import { watchCertificateExpiry } from './certificate-expiry.js';
import { NotificationQueue, notificationRetry, type RetryPolicy } from './notification-queue.js';
import { judgeRule } from './rule-verdict.js';

/*
 * Incidents opened here say so in `details.source`; only those are resolved here. One that came
 * from elsewhere (written by hand, imported) is left for a person to resolve.
 */
const evaluationSources = new Set(['rule', 'agent']);
const detailsOf = (incident: AlertIncidentRow) => (incident.details ?? {}) as Record<string, unknown>;

export interface AlertEvaluatorDeps {
  db: Kysely<Database>;
  clickhouse: ClickHouseClient;
  secrets: SecretCipher;
  log: Logger;
  /** The notification retry schedule's clock and policy; a test moves time instead of waiting. */
  now?: () => Date;
  retry?: RetryPolicy;
  /** Asks the organization's model for a summary after the built-in one is written (control/ai/incident-summary-runs.ts); without it, only the built-in engine sums up. */
  requestModelSummary?: RequestModelSummary;
}

/**
 * Evaluates every active rule on a schedule: a breach opens the rule's incident (or refreshes its
 * message while it lasts), a clear resolves it; then every incident that fired or resolved since
 * is queued for its rule's channels, and the deliveries due are sent (retried until they succeed
 * or are given up). Several API processes may evaluate at once: the per-rule lock, the claimed
 * notices and the claimed deliveries keep the outcome the same.
 */
export class AlertEvaluator {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly notifications: NotificationQueue;

  constructor(private readonly deps: AlertEvaluatorDeps) {
    const { db, secrets, log, now = () => new Date(), retry = notificationRetry } = deps;
    this.notifications = new NotificationQueue({ db, secrets, log, now, retry });
  }

  /** Every `SYNTRA_ALERT_EVALUATION_SECONDS` (30 by default). */
  start(intervalSeconds: number): void {
    this.timer = setInterval(() => void this.tick(), intervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One evaluation and notification round; rounds never overlap, and none starts after stop. */
  tick(): Promise<void> {
    this.running = this.running.then(() => (this.stopped ? undefined : this.round()));
    return this.running;
  }

  /**
   * An agent's alert opens an incident on the downtime rules watching its service, or, when it
   * names none (the agent itself in trouble, e.g. its telemetry spool full), on those watching any
   * service of its server: one incident per rule, naming the server and the services it watches there.
   */
  async agentAlert(serverId: string, alert: AlertPayload): Promise<void> {
    const { db, log } = this.deps;
    if (alert.service_id !== undefined && !(await servicesOnServer(db, serverId, [alert.service_id])).has(alert.service_id)) {
      log.warn({ serverId, type: alert.type, title: alert.title }, 'agent alert names no service of its server; not opening an incident');
      return;
    }
    for (const { rule, server, services } of await rulesWatchingServer(db, 'downtime', serverId, alert.service_id)) {
      const about = alert.service_id === undefined ? ` on server ${server.name}` : '';
      const message = `${rule.name}: ${alert.title}${about}`;
      await this.summarize(rule.org_id, await openIncident(db, rule.id, message, { source: 'agent', server, services, alert: { ...alert } }), message, services);
    }
    await this.tick();
  }

  private async round(): Promise<void> {
    try {
      for (const rule of await activeAlertRules(this.deps.db)) await this.evaluate(rule);
      await this.watchCertificates();
      await this.notifications.queue('fired');
      await this.notifications.queue('resolved');
      await this.notifications.sendDue();
    } catch (error) {
      this.deps.log.error({ err: error }, 'alert evaluation failed');
    }
  }

  private async watchCertificates(): Promise<void> {
    const { db, log, now = () => new Date() } = this.deps;
    try {
      for (const { orgId, opened, message, services } of await watchCertificateExpiry(db, now())) await this.summarize(orgId, opened, message, services);
    } catch (error) {
      log.error({ err: error }, 'certificate expiry could not be checked');
    }
  }

  /**
   * Fills a newly opened incident's `ai_summary` with the built-in engine's, then asks for the
   * organization's model's; a summary that fails leaves what there is and the alert goes on.
   */
  private async summarize(orgId: string, opened: { id: string; fired_at: Date } | null, message: string, services: { id: string }[]): Promise<void> {
    if (!opened) return;
    try {
      await writeIncidentSummary(this.deps.db, { id: opened.id, message, firedAt: opened.fired_at, serviceIds: services.map((service) => service.id) });
      await this.deps.requestModelSummary?.({ id: opened.id, orgId });
    } catch (error) {
      this.deps.log.error({ err: error, incidentId: opened.id }, 'incident summary could not be written');
    }
  }

  private async evaluate(rule: AlertRow): Promise<void> {
    const { db } = this.deps;
    try {
      const open = await openIncidentOf(db, rule.id);
      const verdict = await judgeRule(this.deps, rule, open);
      if (verdict.state === 'breach') {
        const details = { source: 'rule', services: verdict.services };
        if (open) await updateIncident(db, open.id, verdict.message, { ...detailsOf(open), ...details });
        else await this.summarize(rule.org_id, await openIncident(db, rule.id, verdict.message, details), verdict.message, verdict.services);
      } else if (verdict.state === 'clear' && open && evaluationSources.has(String(detailsOf(open).source))) {
        await resolveIncident(db, open.id);
      }
    } catch (error) {
      this.deps.log.error({ err: error, alertId: rule.id }, 'alert rule could not be evaluated');
    }
  }
}
