import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { API_PREFIX, type ApiRoute, IsoDateTime, Pagination, Uuid } from '../../contracts/index.js';
import type { AuditLogRow } from '../../db/postgres/database.js';
import { listAuditLogs } from '../../db/queries/audit-logs.js';
import type { Platform } from '../platform.js';
import { isoTimestamp } from '../resources/timestamps.js';
import { defineRoute, WithMeta } from '../routing.js';

/*
 * The audit log (ARCHITECTURE correction 5: the contract has no endpoint for it). Schemas live
 * here in the registry's shape, ready to move into contracts/api.
 */

export const AuditLogEntry = z.object({
  id: Uuid,
  user_id: Uuid.nullable(),
  action: z.string().describe('`<resource>.<verb>`, e.g. server.create'),
  resource_type: z.string(),
  resource_id: Uuid.nullable(),
  details: z.unknown(),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  created_at: IsoDateTime,
});
export type AuditLogEntry = z.infer<typeof AuditLogEntry>;

export const AuditLogQuery = Pagination.extend({
  action: z.string().min(1).max(100).optional(),
  resource_type: z.string().min(1).max(50).optional(),
  resource_id: Uuid.optional(),
  user_id: Uuid.optional(),
});

export const auditLogRoutesSpec = {
  list: {
    method: 'GET', path: `${API_PREFIX}/audit-logs`, operationId: 'listAuditLogs',
    summary: "The organization's audit log, newest first", tags: [], query: AuditLogQuery,
    response: z.array(AuditLogEntry), successStatus: 200,
  },
} as const satisfies Record<string, ApiRoute>;

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
  defineRoute(app, auditLogRoutesSpec.list, { permission: 'audit.read' }, async ({ query, caller }) => {
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
