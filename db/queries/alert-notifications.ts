import type { Kysely } from 'kysely';
import type { AlertIncident } from '../../contracts/index.js';
import type { AlertNotice, AlertNotificationRow, Database } from '../postgres/database.js';

/*
 * The delivery queue of incident notices: one row per (incident, notice, channel), sent by
 * whichever API process claims it when due. Times come from the caller's clock, not NOW(), so the
 * retry schedule is the evaluator's to choose (and a test's to drive).
 */

export interface QueuedNotice {
  incident: AlertIncident;
  notice: AlertNotice;
  channelIds: readonly string[];
}

/** Queues a notice for each channel, due at once; a (incident, notice, channel) already queued stays as it is. */
export async function queueNotifications(db: Kysely<Database>, queued: QueuedNotice, at: Date): Promise<void> {
  if (queued.channelIds.length === 0) return;
  await db
    .insertInto('alert_notifications')
    .values(
      queued.channelIds.map((channelId) => ({
        incident_id: queued.incident.id,
        notice: queued.notice,
        channel_id: channelId,
        incident: JSON.stringify(queued.incident),
        queued_at: at,
        next_attempt_at: at,
      })),
    )
    .onConflict((conflict) => conflict.columns(['incident_id', 'notice', 'channel_id']).doNothing())
    .execute();
}

/**
 * Claims up to `limit` pending notifications due at `now`, counting the attempt and moving
 * `next_attempt_at` to `leaseUntil`: other processes skip them while they are sent, and take them
 * again only if this one never records the outcome. A channel hears "resolved" only after its
 * "fired" was delivered or given up.
 */
export async function claimDueNotifications(db: Kysely<Database>, now: Date, leaseUntil: Date, limit: number): Promise<AlertNotificationRow[]> {
  const due = db
    .selectFrom('alert_notifications as due')
    .select('due.id')
    .where('due.status', '=', 'pending')
    .where('due.next_attempt_at', '<=', now)
    .where((eb) =>
      eb.or([
        eb('due.notice', '=', 'fired'),
        eb.not(
          eb.exists(
            eb
              .selectFrom('alert_notifications as fired')
              .select('fired.id')
              .whereRef('fired.incident_id', '=', 'due.incident_id')
              .whereRef('fired.channel_id', '=', 'due.channel_id')
              .where('fired.notice', '=', 'fired')
              .where('fired.status', '=', 'pending'),
          ),
        ),
      ]),
    )
    .orderBy('due.next_attempt_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
  return db
    .updateTable('alert_notifications')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_attempt_at: now, next_attempt_at: leaseUntil }))
    .where('id', 'in', due)
    .returningAll()
    .execute();
}

export async function markNotificationDelivered(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db
    .updateTable('alert_notifications')
    .set({ status: 'delivered', delivered_at: at, last_error: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Records a failed attempt: due again at `retryAt`, or given up when it is null. Only the attempt
 * that is still the latest may record it, so a send that outlived its lease cannot reschedule the
 * attempt another process took over.
 */
export async function markNotificationFailed(
  db: Kysely<Database>,
  claimed: Pick<AlertNotificationRow, 'id' | 'attempts'>,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await db
    .updateTable('alert_notifications')
    .set(retryAt ? { last_error: error, next_attempt_at: retryAt } : { last_error: error, status: 'failed' })
    .where('id', '=', claimed.id)
    .where('attempts', '=', claimed.attempts)
    .where('status', '=', 'pending')
    .execute();
}
