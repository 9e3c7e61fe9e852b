import type { Kysely } from 'kysely';
import { issueToken } from '../../api/auth/tokens.js';
import type { Database } from '../../db/postgres/database.js';

/** An organization with its owner, written straight to the database. */
export async function createOrganization(db: Kysely<Database>, slug: string) {
  const user = await db.insertInto('users').values({ email: `${slug}-owner@example.com`, name: 'Owner' }).returningAll().executeTakeFirstOrThrow();
  const org = await db.insertInto('organizations').values({ name: slug, slug, owner_id: user.id }).returningAll().executeTakeFirstOrThrow();
  await db.insertInto('org_members').values({ org_id: org.id, user_id: user.id, role: 'owner' }).execute();
  return { user, org };
}

/** A registered server and the one-time agent token that authenticates its agent. */
export async function createServer(db: Kysely<Database>, orgId: string, name: string) {
  const agentToken = issueToken('agt');
  const server = await db
    .insertInto('servers')
    .values({ org_id: orgId, name, agent_token_hash: agentToken.hash })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { server, token: agentToken.token };
}
