import { type Kysely, sql } from 'kysely';

/**
 * Which gateway session said the server's latest hello (issue 22). With several API processes an
 * agent may reconnect to process B while A still holds its old, half-open socket; when A drops
 * that socket it must not mark the server offline under B's live session. A marks it offline only
 * while the row still names A's session.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE servers ADD COLUMN agent_session_id UUID`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE servers DROP COLUMN agent_session_id`.execute(db);
}
