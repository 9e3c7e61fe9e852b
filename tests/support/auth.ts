import type { Kysely } from 'kysely';
import { issueToken } from '../../contracts/tokens.js';
import type { Database, OrgRole } from '../../db/postgres/database.js';
import { bootstrappedOrganization as firstOrganization } from '../../db/queries/organizations.js';

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The organization the first start created, and its owner. */
export async function bootstrappedOrganization(db: Kysely<Database>) {
  const org = await firstOrganization(db);
  if (!org) throw new Error('No organization: the platform has not bootstrapped');
  return org;
}

let memberCount = 0;

/**
 * A new member of `orgId` with `role` and an API token of their own: a user token, or a
 * project-scoped one when `projectId` is given.
 */
export async function addMember(
  db: Kysely<Database>,
  orgId: string,
  role: OrgRole,
  options: { projectId?: string; expiresAt?: Date } = {},
) {
  memberCount += 1;
  const user = await db
    .insertInto('users')
    .values({ email: `${role}-${memberCount}-${orgId.slice(0, 8)}@example.com`, name: role })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db.insertInto('org_members').values({ org_id: orgId, user_id: user.id, role }).execute();
  const token = await addToken(db, user.id, orgId, options);
  return { user, token };
}

export async function addToken(
  db: Kysely<Database>,
  userId: string,
  orgId: string,
  options: { projectId?: string; expiresAt?: Date } = {},
): Promise<string> {
  const issued = issueToken(options.projectId ? 'prj' : 'usr');
  await db
    .insertInto('api_tokens')
    .values({
      user_id: userId,
      org_id: orgId,
      name: 'test',
      token_hash: issued.hash,
      token_prefix: issued.prefix,
      project_id: options.projectId ?? null,
      expires_at: options.expiresAt ?? null,
    })
    .execute();
  return issued.token;
}

/** A second organization with its own owner, to prove one organization never sees another's rows. */
export async function otherOrganization(db: Kysely<Database>, slug: string) {
  const owner = await db.insertInto('users').values({ email: `${slug}@example.com` }).returningAll().executeTakeFirstOrThrow();
  const org = await db.insertInto('organizations').values({ name: slug, slug, owner_id: owner.id }).returningAll().executeTakeFirstOrThrow();
  await db.insertInto('org_members').values({ org_id: org.id, user_id: owner.id, role: 'owner' }).execute();
  return { org, ownerToken: await addToken(db, owner.id, org.id) };
}
