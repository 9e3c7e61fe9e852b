import { type Kysely, sql } from 'kysely';

/**
 * What an agent reports as standing wrong with its server (e.g. containers cannot reach its
 * telemetry receiver), keyed by the resource at fault. An agent restates its standing problems at
 * every session, so its hello clears them and a fixed problem disappears with the next restart.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE servers ADD COLUMN agent_problems JSONB NOT NULL DEFAULT '{}'::jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE servers DROP COLUMN agent_problems`.execute(db);
}
