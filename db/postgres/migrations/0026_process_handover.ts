import { type Kysely, sql } from 'kysely';

/**
 * What one API process hands over to another (issue 22).
 * - `servers.agent_session_id`: the gateway session that said the server's latest hello. An agent
 *   may reconnect to process B while A still holds its old, half-open socket; when A drops it, A
 *   marks the server offline only while the row still names A's session.
 * - `telemetry_batches.claimed_by` / `claimed_at`: which ingest (one per process) is writing a
 *   batch, since when. An agent whose process is stopping resends its unacknowledged batches to
 *   another, possibly while the first still writes them; the second waits (refuses for now) until
 *   the batch is stored or the claim is old enough to be a dead process's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE servers ADD COLUMN agent_session_id UUID`.execute(db);
  await sql`ALTER TABLE telemetry_batches ADD COLUMN claimed_by UUID, ADD COLUMN claimed_at TIMESTAMPTZ`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE telemetry_batches DROP COLUMN claimed_by, DROP COLUMN claimed_at`.execute(db);
  await sql`ALTER TABLE servers DROP COLUMN agent_session_id`.execute(db);
}
