import type { Kysely } from 'kysely';
import type { Database, OrganizationRow, OrgRole, UserRow } from '../postgres/database.js';

export async function hasAnyUser(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Creates the owner account and their organization, unless a user with that email exists. The
 * unique email is what makes two processes starting at once safe: the loser inserts nothing and
 * gets undefined back.
 */
export async function createOwnerAndOrganization(
  db: Kysely<Database>,
  owner: { email: string },
  organization: { name: string; slug: string },
): Promise<{ user: UserRow; organization: OrganizationRow } | undefined> {
  const user = await db
    .insertInto('users')
    .values({ email: owner.email, name: 'Owner' })
    .onConflict((conflict) => conflict.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!user) return undefined;
  const org = await db
    .insertInto('organizations')
    .values({ name: organization.name, slug: organization.slug, owner_id: user.id })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db.insertInto('org_members').values({ org_id: org.id, user_id: user.id, role: 'owner', accepted_at: new Date() }).execute();
  return { user, organization: org };
}

/** The organization the very first start created (control/bootstrap.ts), and its owner; undefined before it. */
export async function bootstrappedOrganization(db: Kysely<Database>): Promise<{ id: string; owner_id: string } | undefined> {
  return db.selectFrom('organizations').select(['id', 'owner_id']).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
}

export interface Membership {
  user: { id: string; email: string; name: string | null };
  organization: { id: string; name: string; slug: string };
  role: OrgRole;
}

/** A user as a member of one organization: what login and `/auth/me` answer with. */
export async function membership(db: Kysely<Database>, userId: string, orgId: string): Promise<Membership | undefined> {
  const row = await db
    .selectFrom('org_members')
    .innerJoin('users', 'users.id', 'org_members.user_id')
    .innerJoin('organizations', 'organizations.id', 'org_members.org_id')
    .select([
      'org_members.role',
      'users.email',
      'users.name as user_name',
      'organizations.name as org_name',
      'organizations.slug as org_slug',
    ])
    .where('org_members.user_id', '=', userId)
    .where('org_members.org_id', '=', orgId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    user: { id: userId, email: row.email, name: row.user_name },
    organization: { id: orgId, name: row.org_name, slug: row.org_slug },
    role: row.role,
  };
}

/** Every organization the user belongs to, with their role there, by name. */
export async function organizationsOfUser(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('org_members')
    .innerJoin('organizations', 'organizations.id', 'org_members.org_id')
    .select(['organizations.id', 'organizations.name', 'organizations.slug', 'org_members.role'])
    .where('org_members.user_id', '=', userId)
    .orderBy('organizations.name')
    .execute();
}
