import { type Kysely, sql } from 'kysely';

/**
 * The REST rate limits' token buckets, shared by every API process (issue 22): with buckets in
 * each process's memory, N processes behind a load balancer allowed N times the rate. `granted` is
 * what the last take handed out (a process leases a few tokens at a time). UNLOGGED:
 * a bucket is worth nothing after a crash (a full one is the safe default), so it skips the WAL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE UNLOGGED TABLE rate_limit_buckets (
    key TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    granted INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE rate_limit_buckets`.execute(db);
}
