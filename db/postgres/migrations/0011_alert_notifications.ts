import { type Kysely, sql } from 'kysely';

/**
 * Durable alert notifications. Claiming an incident's notice (`fire_notified_at` /
 * `resolve_notified_at`, 0009) now queues one `alert_notifications` row per channel of its rule in
 * the same transaction, so a notice is never lost between claim and send. Each row is sent until
 * it succeeds or its retries run out:
 * - `incident` is the incident as the notice was claimed (the contract's `AlertIncident`), so a
 *   late retry of "fired" still says what fired, not what the incident has become since.
 * - `status`: `pending` until `delivered`, or `failed` once retrying was given up (`last_error`
 *   says why). `next_attempt_at` is when a pending row is next due; claiming a row moves it past
 *   the send, so no other process sends it meanwhile.
 * - UNIQUE (incident, notice, channel): a notice queued twice still reaches each channel once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE alert_notifications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    incident_id UUID NOT NULL REFERENCES alert_incidents(id) ON DELETE CASCADE,
    notice VARCHAR(10) NOT NULL CHECK (notice IN ('fired', 'resolved')),
    channel_id UUID NOT NULL,
    incident JSONB NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    queued_at TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    last_error TEXT,
    delivered_at TIMESTAMPTZ,
    UNIQUE (incident_id, notice, channel_id)
  )`.execute(db);
  await sql`CREATE INDEX idx_alert_notifications_due ON alert_notifications(status, next_attempt_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE alert_notifications`.execute(db);
}
