import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Kysely } from 'kysely';
import type { AlertPayload } from '../../../contracts/index.js';
import type { AlertIncidentRow, AlertRow, Database } from '../../../db/postgres/database.js';
import {
  activeAlertRules,
  alertRuleOf,
  claimIncidentNotices,
  openIncident,
  openIncidentOf,
  resolveIncident,
  rulesWatchingService,
  updateIncident,
  type IncidentNotice,
} from '../../../db/queries/telemetry-alerts.js';
import { servicesOnServer } from '../../../db/queries/telemetry-targets.js';
import { StoredAlertChannels } from '../../alerts/channels.js';
import { incidentResource } from '../../alerts/resources.js';
import type { SecretCipher } from '../../secrets/cipher.js';
import { deliver } from './notifiers.js';
import { judgeRule } from './rule-verdict.js';

export const alertEvaluationIntervalSeconds = 30;

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
}

/**
 * Evaluates every active rule on a schedule: a breach opens the rule's incident (or refreshes its
 * message while it lasts), a clear resolves it; then every incident that fired or resolved since
 * is announced on its rule's channels, once each. Several API processes may evaluate at once:
 * the open-incident index and the claimed notices keep the outcome the same.
 */
export class AlertEvaluator {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: AlertEvaluatorDeps) {}

  start(intervalSeconds = alertEvaluationIntervalSeconds): void {
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

  /** An agent's alert about a service opens an incident on the downtime rules watching it. */
  async agentAlert(serverId: string, alert: AlertPayload): Promise<void> {
    const { db, log } = this.deps;
    if (alert.service_id === undefined || !(await servicesOnServer(db, serverId, [alert.service_id])).has(alert.service_id)) {
      log.warn({ serverId, type: alert.type, title: alert.title }, 'agent alert names no service of its server; not opening an incident');
      return;
    }
    for (const rule of await rulesWatchingService(db, alert.service_id, 'downtime')) {
      await openIncident(db, rule.id, `${rule.name}: ${alert.title}`, {
        source: 'agent',
        services: [{ id: alert.service_id }],
        alert: { ...alert },
      });
    }
    await this.tick();
  }

  private async round(): Promise<void> {
    try {
      for (const rule of await activeAlertRules(this.deps.db)) await this.evaluate(rule);
      await this.announce('fired');
      await this.announce('resolved');
    } catch (error) {
      this.deps.log.error({ err: error }, 'alert evaluation failed');
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
        else await openIncident(db, rule.id, verdict.message, details);
      } else if (verdict.state === 'clear' && open && evaluationSources.has(String(detailsOf(open).source))) {
        await resolveIncident(db, open.id);
      }
    } catch (error) {
      this.deps.log.error({ err: error, alertId: rule.id }, 'alert rule could not be evaluated');
    }
  }

  private async announce(kind: IncidentNotice): Promise<void> {
    const { db, secrets, log } = this.deps;
    for (const incident of await claimIncidentNotices(db, kind)) {
      const rule = await alertRuleOf(db, incident.alert_id);
      if (!rule) continue;
      const notice = { kind, rule, incident: incidentResource(incident) };
      const channels = StoredAlertChannels.safeParse(rule.channels);
      if (!channels.success) {
        log.error({ alertId: rule.id, incidentId: incident.id, issues: channels.error.issues }, 'alert rule channels are unreadable; incident not announced');
        continue;
      }
      await Promise.all(
        channels.data.map((channel) =>
          deliver(secrets, channel, notice).catch((error: unknown) =>
            log.warn({ err: error, alertId: rule.id, incidentId: incident.id, channel: channel.type }, 'alert notification failed'),
          ),
        ),
      );
    }
  }
}
