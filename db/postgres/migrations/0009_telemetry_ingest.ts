import { type Kysely, sql } from 'kysely';

/**
 * What telemetry ingest needs beyond the contract's tables:
 * - `telemetry_batches`: every `telemetry_batch` a server sent, by its `batch_id`, so a batch
 *   resent after a lost acknowledgement is stored once. `stored_at` is NULL while a batch is being
 *   written: a batch found in that state was cut short (a crash, a store that failed), and its
 *   retry looks for rows the first attempt already put into ClickHouse. Rows are pruned after the
 *   retention the ingest chooses.
 * - `error_group_users`: the distinct (hashed) users of each issue. `error_groups.user_count`
 *   grows only when a pair is new here, so concurrent batches and resent events never count a
 *   user twice.
 * - `alert_incidents.fire_notified_at` / `resolve_notified_at`: a notification is claimed by
 *   setting its column before it is sent, so each incident notifies once when it fires and once
 *   when it resolves, whichever API process evaluates.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE telemetry_batches (
    server_id UUID NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    batch_id UUID NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    stored_at TIMESTAMPTZ,
    PRIMARY KEY (server_id, batch_id)
  )`.execute(db);
  await sql`CREATE INDEX idx_telemetry_batches_received ON telemetry_batches(received_at)`.execute(db);

  await sql`CREATE TABLE error_group_users (
    error_group_id UUID NOT NULL REFERENCES error_groups(id) ON DELETE CASCADE,
    user_id_hash VARCHAR(64) NOT NULL,
    PRIMARY KEY (error_group_id, user_id_hash)
  )`.execute(db);

  await sql`ALTER TABLE alert_incidents
    ADD COLUMN fire_notified_at TIMESTAMPTZ,
    ADD COLUMN resolve_notified_at TIMESTAMPTZ`.execute(db);
  // Incidents from before notifications existed are history, not news.
  await sql`UPDATE alert_incidents SET fire_notified_at = fired_at, resolve_notified_at = resolved_at`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE alert_incidents DROP COLUMN fire_notified_at, DROP COLUMN resolve_notified_at`.execute(db);
  await sql`DROP TABLE error_group_users`.execute(db);
  await sql`DROP TABLE telemetry_batches`.execute(db);
}
