import type { Kysely } from 'kysely';
import type { Database, NewLoginLink, NewSession, OrgRole, SessionRow } from '../postgres/database.js';

/** A live session with its user's current role; a member who left has no role, so no session. */
export type SessionWithRole = SessionRow & { role: OrgRole };

export async function insertSession(db: Kysely<Database>, session: NewSession): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

export async function liveSession(db: Kysely<Database>, id: string, now: Date): Promise<SessionWithRole | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('org_members', (join) =>
      join.onRef('org_members.user_id', '=', 'sessions.user_id').onRef('org_members.org_id', '=', 'sessions.org_id'),
    )
    .selectAll('sessions')
    .select('org_members.role')
    .where('sessions.id', '=', id)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
}

export async function touchSession(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

export async function deleteSession(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** Sessions are swept when new ones are made, so the table holds only the live ones and a few stale. */
export async function deleteExpiredSessions(db: Kysely<Database>, now: Date): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}

export async function insertLoginLink(db: Kysely<Database>, link: NewLoginLink): Promise<void> {
  await db.insertInto('login_links').values(link).execute();
}

/**
 * Uses a login link: one UPDATE that only an unused, unexpired link matches, so two clicks racing
 * cannot both sign in.
 */
export async function consumeLoginLink(
  db: Kysely<Database>,
  tokenHash: string,
  now: Date,
): Promise<{ user_id: string; org_id: string } | undefined> {
  return db
    .updateTable('login_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['user_id', 'org_id'])
    .executeTakeFirst();
}
