import type { FastifyPluginAsync } from 'fastify';
import type { AuditLogEntry } from '../../contracts/index.js';
import type { AuditLogRow } from '../../db/postgres/database.js';
import { listAuditLogs } from '../../db/queries/audit-logs.js';
import type { Platform } from '../platform.js';
import { isoTimestamp } from '../resources/timestamps.js';
import { defineRoute, registryRoute, WithMeta } from '../routing.js';

/* The audit log (ARCHITECTURE correction 5: the contract has no endpoint for it). */

function auditLogResource(row: AuditLogRow): AuditLogEntry {
  return {
    id: row.id,
    user_id: row.user_id,
    action: row.action,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    details: row.details,
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    created_at: isoTimestamp(row.created_at, 'audit_logs.created_at'),
  };
}

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
