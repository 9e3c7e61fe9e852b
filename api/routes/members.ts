import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { API_PREFIX, type ApiRoute, IsoDateTime, Uuid } from '../../contracts/index.js';
import type { OrgRole } from '../../db/postgres/database.js';
import {
  deleteMember,
  insertMember,
  listMembers,
  lockOwners,
  memberById,
  type MemberRow,
  updateMemberRole,
  userIdForEmail,
} from '../../db/queries/members.js';
import { recordAudit } from '../audit.js';
import { createLoginLink, loginLinkUrl } from '../auth/login-links.js';
import { type Caller, roles } from '../auth/permissions.js';
import { ApiProblem } from '../errors.js';
import type { Platform } from '../platform.js';
import { isoTimestampOrNull } from '../resources/timestamps.js';
import { defineRoute } from '../routing.js';

/*
 * Organization members and their roles (ARCHITECTURE correction 5: the contract has no endpoints
 * for them). Schemas live here in the registry's shape, ready to move into contracts/api.
 */

const Role = z.enum(roles);

export const Member = z.object({
  user_id: Uuid,
  email: z.string(),
  name: z.string().nullable(),
  role: Role,
  invited_by: Uuid.nullable(),
  invited_at: IsoDateTime.nullable(),
  accepted_at: IsoDateTime.nullable(),
});
export type Member = z.infer<typeof Member>;

// Loose on purpose: a self-hosted owner may well be `owner@localhost`, which z.email() refuses.
// Lower-cased, so one person cannot become two users by capitalisation.
const Email = z.string().trim().toLowerCase().regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address').max(255);

export const AddMember = z.object({ email: Email, role: Role, name: z.string().trim().min(1).max(255).optional() });
export const AddedMember = Member.extend({
  login_url: z.string().describe('One-time sign-in link for the new member, valid 24 hours; Syntra sends no email'),
});
export const UpdateMember = z.object({ role: Role });
const MemberParams = z.object({ userId: Uuid });

export const memberRoutesSpec = {
  list: {
    method: 'GET', path: `${API_PREFIX}/members`, operationId: 'listMembers', summary: "The organization's members",
    tags: [], response: z.array(Member), successStatus: 200,
  },
  add: {
    method: 'POST', path: `${API_PREFIX}/members`, operationId: 'addMember', summary: 'Add a member with a role',
    tags: [], body: AddMember, response: AddedMember, successStatus: 201, errors: ['CONFLICT'],
  },
  update: {
    method: 'PATCH', path: `${API_PREFIX}/members/{userId}`, operationId: 'updateMember', summary: "Change a member's role",
    tags: [], params: MemberParams, body: UpdateMember, response: Member, successStatus: 200, errors: ['UNPROCESSABLE'],
  },
  remove: {
    method: 'DELETE', path: `${API_PREFIX}/members/{userId}`, operationId: 'removeMember',
    summary: 'Remove a member, revoking their tokens and sessions', tags: [], params: MemberParams, response: null,
    successStatus: 204, errors: ['UNPROCESSABLE'],
  },
} as const satisfies Record<string, ApiRoute>;

function memberResource(row: MemberRow): Member {
  return {
    user_id: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    invited_by: row.invited_by,
    invited_at: isoTimestampOrNull(row.invited_at),
    accepted_at: isoTimestampOrNull(row.accepted_at),
  };
}

/** The owner role is the owners' own: only an owner grants it, or changes or removes an owner. */
function assertMayTouchOwnerRole(caller: Caller, ...rolesInvolved: OrgRole[]): void {
  if (caller.role !== 'owner' && rolesInvolved.includes('owner')) {
    throw new ApiProblem('FORBIDDEN', 'Only an owner can grant the owner role, or change or remove an owner');
  }
}

const notFound = (userId: string) => new ApiProblem('NOT_FOUND', `No member ${userId} in this organization`);
const lastOwner = () => new ApiProblem('UNPROCESSABLE', 'The organization needs an owner: make someone else owner first');

export const memberRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db, config } = platform;

  defineRoute(app, memberRoutesSpec.list, { permission: 'members.read' }, async ({ caller }) =>
    (await listMembers(db, caller.orgId)).map(memberResource),
  );

  defineRoute(app, memberRoutesSpec.add, { permission: 'members.manage' }, async ({ body, caller, request }) => {
    assertMayTouchOwnerRole(caller, body.role);
    const { member, linkSecret } = await db.transaction().execute(async (trx) => {
      const userId = await userIdForEmail(trx, body.email, body.name ?? null);
      const added = await insertMember(trx, { orgId: caller.orgId, userId, role: body.role, invitedBy: caller.userId });
      if (!added) throw new ApiProblem('CONFLICT', `${body.email} is already a member`);
      await recordAudit(trx, request, caller, {
        action: 'member.create',
        resourceType: 'member',
        resourceId: userId,
        details: { email: body.email, role: body.role },
      });
      return { member: added, linkSecret: await createLoginLink(trx, userId, caller.orgId) };
    });
    return { ...memberResource(member), login_url: loginLinkUrl(config.publicUrl, linkSecret) };
  });

  defineRoute(app, memberRoutesSpec.update, { permission: 'members.manage' }, async ({ params, body, caller, request }) => {
    const member = await db.transaction().execute(async (trx) => {
      const owners = await lockOwners(trx, caller.orgId);
      const current = await memberById(trx, caller.orgId, params.userId);
      if (!current) throw notFound(params.userId);
      assertMayTouchOwnerRole(caller, current.role, body.role);
      if (current.role === 'owner' && body.role !== 'owner' && owners.length === 1) throw lastOwner();
      await updateMemberRole(trx, caller.orgId, params.userId, body.role);
      await recordAudit(trx, request, caller, {
        action: 'member.update',
        resourceType: 'member',
        resourceId: params.userId,
        details: { email: current.email, from: current.role, to: body.role },
      });
      return { ...current, role: body.role };
    });
    return memberResource(member);
  });

  defineRoute(app, memberRoutesSpec.remove, { permission: 'members.manage' }, async ({ params, caller, request }) => {
    await db.transaction().execute(async (trx) => {
      const owners = await lockOwners(trx, caller.orgId);
      const current = await memberById(trx, caller.orgId, params.userId);
      if (!current) throw notFound(params.userId);
      assertMayTouchOwnerRole(caller, current.role);
      if (current.role === 'owner' && owners.length === 1) throw lastOwner();
      await deleteMember(trx, caller.orgId, params.userId);
      await recordAudit(trx, request, caller, {
        action: 'member.delete',
        resourceType: 'member',
        resourceId: params.userId,
        details: { email: current.email, role: current.role },
      });
    });
  });
};
