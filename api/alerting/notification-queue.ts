import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Kysely } from 'kysely';
import { AlertIncident } from '../../contracts/index.js';
import type { AlertNotice, AlertNotificationRow, AlertRow, Database } from '../../db/postgres/database.js';
import { claimDueNotifications, markNotificationDelivered, markNotificationFailed, queueNotifications } from '../../db/queries/alert-notifications.js';
import { alertRuleOf, claimIncidentNotices } from '../../db/queries/telemetry-alerts.js';
import { StoredAlertChannels } from '../../control/alert-channels.js';
import { incidentResource } from '../../control/resources/alert.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import { deliver } from './notifiers.js';

export interface RetryPolicy {
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  /** Counted from when the notice was queued; the last attempt is made at that moment. */
  giveUpAfterSeconds: number;
}

/** 30 s after the first failure, doubling, never more than an hour apart, for a day. */
export const notificationRetry: RetryPolicy = { firstDelaySeconds: 30, maxDelaySeconds: 60 * 60, giveUpAfterSeconds: 24 * 60 * 60 };

/*
 * How long a claimed delivery is left to the process that claimed it. Far longer than a send takes
 * (each step of a channel times out after notificationTimeoutMs), so only a process that died
 * mid-send lets another one send again: at least once, and never again once recorded delivered.
 */
export const deliveryLeaseSeconds = 5 * 60;
const deliveriesPerRound = 100;

export interface NotificationQueueDeps {
  db: Kysely<Database>;
  secrets: SecretCipher;
  log: Logger;
  now: () => Date;
  retry: RetryPolicy;
}

/** When a delivery that failed at `failedAt` is due again, or null when it is given up. */
export function retryAt(delivery: Pick<AlertNotificationRow, 'attempts' | 'queued_at'>, failedAt: Date, policy: RetryPolicy): Date | null {
  const deadline = delivery.queued_at.getTime() + policy.giveUpAfterSeconds * 1000;
  if (failedAt.getTime() >= deadline) return null;
  const delaySeconds = Math.min(policy.firstDelaySeconds * 2 ** (delivery.attempts - 1), policy.maxDelaySeconds);
  return new Date(Math.min(failedAt.getTime() + delaySeconds * 1000, deadline));
}

const channelsOf = (rule: AlertRow) => StoredAlertChannels.safeParse(rule.channels);
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Incident notices on their way to the rules' channels: `queue` turns each new notice into one
 * delivery per channel, `sendDue` sends the deliveries that are due and records each outcome, so a
 * channel that failed is retried on its own and one that succeeded is never sent again.
 */
export class NotificationQueue {
  constructor(private readonly deps: NotificationQueueDeps) {}

  async queue(notice: AlertNotice): Promise<void> {
    const { db, log } = this.deps;
    const at = this.deps.now();
    await db.transaction().execute(async (trx) => {
      for (const incident of await claimIncidentNotices(trx, notice)) {
        const rule = await alertRuleOf(trx, incident.alert_id);
        if (!rule) continue;
        const channels = channelsOf(rule);
        if (!channels.success) {
          log.error({ alertId: rule.id, incidentId: incident.id, issues: channels.error.issues }, 'alert rule channels are unreadable; incident not announced');
          continue;
        }
        // One incident the contract cannot show must not hold back every other notice.
        let resource: AlertIncident;
        try {
          resource = incidentResource(incident);
        } catch (error) {
          log.error({ err: error, alertId: rule.id, incidentId: incident.id }, 'incident is unreadable; not announced');
          continue;
        }
        await queueNotifications(trx, { incident: resource, notice, channelIds: channels.data.map((channel) => channel.id) }, at);
      }
    });
  }

  async sendDue(): Promise<void> {
    const now = this.deps.now();
    const leaseUntil = new Date(now.getTime() + deliveryLeaseSeconds * 1000);
    const claimed = await claimDueNotifications(this.deps.db, now, leaseUntil, deliveriesPerRound);
    const rules = new Map<string, Promise<AlertRow | undefined>>();
    const ruleOf = (id: string) => rules.get(id) ?? rules.set(id, alertRuleOf(this.deps.db, id)).get(id)!;
    await Promise.all(claimed.map((delivery) => this.send(delivery, ruleOf).catch((error: unknown) => this.failed(delivery, error))));
  }

  /** Sends one claimed delivery and records it delivered; throws when the attempt failed. */
  private async send(delivery: AlertNotificationRow, ruleOf: (id: string) => Promise<AlertRow | undefined>): Promise<void> {
    const { db, secrets, log } = this.deps;
    const incident = AlertIncident.parse(delivery.incident);
    // A deleted rule took its incidents and their deliveries with it.
    const rule = await ruleOf(incident.alert_id);
    if (!rule) return;
    const channels = channelsOf(rule);
    const channel = channels.data?.find((candidate) => candidate.id === delivery.channel_id);
    if (!channel) {
      const reason = channels.success ? 'the channel was removed from the rule' : 'the rule channels are unreadable';
      log.warn({ alertId: rule.id, incidentId: incident.id, notice: delivery.notice, channelId: delivery.channel_id }, `alert notification dropped: ${reason}`);
      await markNotificationFailed(db, delivery, reason, null);
      return;
    }
    await deliver(secrets, channel, { kind: delivery.notice, rule, incident });
    await markNotificationDelivered(db, delivery.id, this.deps.now());
  }

  private async failed(delivery: AlertNotificationRow, error: unknown): Promise<void> {
    const { db, log, retry } = this.deps;
    const next = retryAt(delivery, this.deps.now(), retry);
    const context = { err: error, incidentId: delivery.incident_id, notice: delivery.notice, channelId: delivery.channel_id, attempts: delivery.attempts };
    await markNotificationFailed(db, delivery, errorText(error), next);
    if (next) log.warn({ ...context, retryAt: next.toISOString() }, 'alert notification failed; retrying');
    else log.error(context, `alert notification given up after ${delivery.attempts} attempts in ${retry.giveUpAfterSeconds} s`);
  }
}
