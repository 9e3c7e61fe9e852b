import type { FastifyPluginAsync } from 'fastify';
import { deleteApiToken, insertApiToken, listApiTokens } from '../../../db/queries/api-tokens.js';
import { projectById } from '../../../db/queries/projects.js';
import { recordAudit } from '../../../control/audit.js';
import { issueToken } from '../../../contracts/tokens.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { apiTokenResource } from '../../../control/resources/api-token.js';
import { defineRoute, registryRoute } from '../routing.js';

/* A member's own API tokens (ARCHITECTURE correction 5: the contract has no endpoints for them). */


/** Every member manages their own tokens; a token acts with its creator's role (docs/rbac.md). */
export const tokenRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;

  defineRoute(app, registryRoute('listApiTokens'), { permission: 'tokens.manage' }, async ({ caller }) =>
    (await listApiTokens(db, caller.userId, caller.orgId)).map(apiTokenResource),
  );

  defineRoute(app, registryRoute('createApiToken'), { permission: 'tokens.manage' }, async ({ body, caller, request }) => {
    if (body.expires_at && new Date(body.expires_at) <= new Date()) {
      throw new ApiProblem('UNPROCESSABLE', 'expires_at is in the past', { details: [{ path: 'body.expires_at', message: 'must be in the future' }] });
    }
    if (body.project_id && !(await projectById(db, { orgId: caller.orgId }, body.project_id))) {
      throw new ApiProblem('UNPROCESSABLE', `No project ${body.project_id} in this organization`, {
        details: [{ path: 'body.project_id', message: 'no such project' }],
      });
    }
    const issued = issueToken(body.project_id ? 'prj' : 'usr');
    const row = await db.transaction().execute(async (trx) => {
      const inserted = await insertApiToken(trx, {
        user_id: caller.userId,
        org_id: caller.orgId,
        name: body.name,
        token_hash: issued.hash,
        token_prefix: issued.prefix,
        project_id: body.project_id ?? null,
        expires_at: body.expires_at ?? null,
      });
      await recordAudit(trx, request, caller, {
        action: 'token.create',
        resourceType: 'api_token',
        resourceId: inserted.id,
        details: { name: inserted.name, token_prefix: inserted.token_prefix, project_id: inserted.project_id },
      });
      return inserted;
    });
    return { ...apiTokenResource(row), token: issued.token };
  });

  defineRoute(app, registryRoute('deleteApiToken'), { permission: 'tokens.manage' }, async ({ params, caller, request }) => {
    await db.transaction().execute(async (trx) => {
      const deleted = await deleteApiToken(trx, caller, params.tokenId);
      if (!deleted) throw new ApiProblem('NOT_FOUND', `No token ${params.tokenId} of yours in this organization`);
      await recordAudit(trx, request, caller, {
        action: 'token.delete',
        resourceType: 'api_token',
        resourceId: params.tokenId,
        details: { name: deleted.name },
      });
    });
    // This process forgets at once; the others hear `auth_changed`.
    app.authenticator.revoked();
  });
};
