import type { FastifyPluginAsync } from 'fastify';
import { listAuditLogs } from '../../../db/queries/audit-logs.js';
import type { Platform } from '../../../control/platform.js';
import { auditLogResource } from '../../../control/resources/audit-log.js';
import { defineRoute, registryRoute, WithMeta } from '../routing.js';

/* The audit log (ARCHITECTURE correction 5: the contract has no endpoint for it). */


export const auditLogRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  defineRoute(app, registryRoute('listAuditLogs'), { permission: 'audit.read' }, async ({ query, caller }) => {
    const page = await listAuditLogs(platform.db, caller.orgId, {
      page: query.page,
      perPage: query.per_page,
      action: query.action,
      resourceType: query.resource_type,
      resourceId: query.resource_id,
      userId: query.user_id,
    });
    return new WithMeta(page.rows.map(auditLogResource), { total: page.total, page: query.page, per_page: query.per_page });
  });
};
