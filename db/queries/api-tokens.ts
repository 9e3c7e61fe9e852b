import type { Kysely } from 'kysely';
import type { ApiTokenRow, Database, NewApiToken, OrgRole } from '../postgres/database.js';

/** A token with its owner's role in the token's organization: what the auth hook needs in one probe. */
export type TokenWithRole = ApiTokenRow & { member_org_id: string; role: OrgRole };

/**
 * Looks a token up by its SHA-256 hash, joined with its owner's membership. A token whose owner
 * has left the organization finds no row, so leaving revokes every token at once. A token stored
 * without an organization (the contract allows it) acts in the owner's first organization.
 */
export async function apiTokenByHash(db: Kysely<Database>, tokenHash: string): Promise<TokenWithRole | undefined> {
  return db
    .selectFrom('api_tokens')
    .innerJoin('org_members', (join) =>
      join
        .onRef('org_members.user_id', '=', 'api_tokens.user_id')
        .on((eb) => eb.or([eb('api_tokens.org_id', 'is', null), eb('org_members.org_id', '=', eb.ref('api_tokens.org_id'))])),
    )
    .selectAll('api_tokens')
    .select(['org_members.org_id as member_org_id', 'org_members.role'])
    .where('api_tokens.token_hash', '=', tokenHash)
    .orderBy('org_members.invited_at')
    .limit(1)
    .executeTakeFirst();
}

export async function insertApiToken(db: Kysely<Database>, token: NewApiToken): Promise<ApiTokenRow> {
  return db.insertInto('api_tokens').values(token).returningAll().executeTakeFirstOrThrow();
}

export async function touchApiToken(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

/** A member's own tokens in one organization, newest first. */
export async function listApiTokens(db: Kysely<Database>, userId: string, orgId: string): Promise<ApiTokenRow[]> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

export async function deleteApiToken(
  db: Kysely<Database>,
  owner: { userId: string; orgId: string },
  id: string,
): Promise<{ name: string } | undefined> {
  return db
    .deleteFrom('api_tokens')
    .where('id', '=', id)
    .where('user_id', '=', owner.userId)
    .where('org_id', '=', owner.orgId)
    .returning('name')
    .executeTakeFirst();
}
