import type { Kysely } from 'kysely';
import type { Database, OrgRole } from '../postgres/database.js';

export interface MemberRow {
  user_id: string;
  email: string;
  name: string | null;
  role: OrgRole;
  invited_by: string | null;
  invited_at: Date | null;
  accepted_at: Date | null;
}

function members(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('org_members')
    .innerJoin('users', 'users.id', 'org_members.user_id')
    .select([
      'org_members.user_id',
      'users.email',
      'users.name',
      'org_members.role',
      'org_members.invited_by',
      'org_members.invited_at',
      'org_members.accepted_at',
    ])
    .where('org_members.org_id', '=', orgId);
}

export async function listMembers(db: Kysely<Database>, orgId: string): Promise<MemberRow[]> {
  return members(db, orgId).orderBy('org_members.invited_at').orderBy('users.email').execute();
}

export async function memberById(db: Kysely<Database>, orgId: string, userId: string): Promise<MemberRow | undefined> {
  return members(db, orgId).where('org_members.user_id', '=', userId).executeTakeFirst();
}

/** The user with this email, created when there is none yet. */
export async function userIdForEmail(db: Kysely<Database>, email: string, name: string | null): Promise<string> {
  const inserted = await db
    .insertInto('users')
    .values({ email, name })
    .onConflict((conflict) => conflict.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return inserted.id;
  return (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

/** Undefined when the user is already a member. */
export async function insertMember(
  db: Kysely<Database>,
  member: { orgId: string; userId: string; role: OrgRole; invitedBy: string },
): Promise<MemberRow | undefined> {
  const inserted = await db
    .insertInto('org_members')
    .values({ org_id: member.orgId, user_id: member.userId, role: member.role, invited_by: member.invitedBy })
    .onConflict((conflict) => conflict.columns(['org_id', 'user_id']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  return inserted ? memberById(db, member.orgId, member.userId) : undefined;
}

/**
 * The organization's owners, with their rows locked until the transaction ends, so two owners
 * demoting each other at once cannot leave the organization without one.
 */
export async function lockOwners(db: Kysely<Database>, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('org_members')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .forUpdate()
    .execute();
  return rows.map((row) => row.user_id);
}

export async function updateMemberRole(db: Kysely<Database>, orgId: string, userId: string, role: OrgRole): Promise<void> {
  await db.updateTable('org_members').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

/** Removes the membership and, with it, the member's tokens and sessions in this organization. */
export async function deleteMember(db: Kysely<Database>, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('api_tokens').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  await db.deleteFrom('sessions').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  await db.deleteFrom('org_members').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}
