import type { FastifyPluginAsync } from 'fastify';
import type { OrgRole } from '../../../db/postgres/database.js';
import {
  deleteMember,
  insertMember,
  listMembers,
  lockOwners,
  memberById,
  updateMemberRole,
  userIdForEmail,
} from '../../../db/queries/members.js';
import { recordAudit } from '../../../control/audit.js';
import { createLoginLink, loginLinkUrl } from '../../../control/login-links.js';
import type { Caller } from '../../../control/caller.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { memberResource } from '../../../control/resources/member.js';
import { defineRoute, registryRoute } from '../routing.js';

/*
 * Organization members and their roles (ARCHITECTURE correction 5: the contract has no endpoints
 * for them).
 */


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

  defineRoute(app, registryRoute('listMembers'), { permission: 'members.read' }, async ({ caller }) =>
    (await listMembers(db, caller.orgId)).map(memberResource),
  );

  defineRoute(app, registryRoute('addMember'), { permission: 'members.manage' }, async ({ body, caller, request }) => {
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

  defineRoute(app, registryRoute('updateMember'), { permission: 'members.manage' }, async ({ params, body, caller, request }) => {
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
    // This process forgets at once; the others hear `auth_changed`.
    app.authenticator.revoked();
    return memberResource(member);
  });

  defineRoute(app, registryRoute('removeMember'), { permission: 'members.manage' }, async ({ params, caller, request }) => {
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
    app.authenticator.revoked();
  });
};
