import { sql, type Kysely } from 'kysely';
import type { AuditLogRow, Database, NewAuditLog } from '../postgres/database.js';
import { type Page, type PageRequest, pageOffset } from './scope.js';

export async function insertAuditLog(db: Kysely<Database>, entry: NewAuditLog): Promise<void> {
  await db.insertInto('audit_logs').values(entry).execute();
}

/** Whether an entry of `action` for the operation workflow `workflowId` was recorded already. */
export async function auditedWorkflow(db: Kysely<Database>, orgId: string, action: string, workflowId: string): Promise<boolean> {
  const row = await db
    .selectFrom('audit_logs')
    .select('id')
    .where('org_id', '=', orgId)
    .where('action', '=', action)
    .where(sql<string>`details->>'workflow_id'`, '=', workflowId)
    .executeTakeFirst();
  return row !== undefined;
}

export interface AuditLogFilter extends PageRequest {
  action?: string;
  resourceType?: string;
  resourceId?: string;
  userId?: string;
}

/** An organization's audit log, newest first (the contract's index is `(org_id, created_at DESC)`). */
export async function listAuditLogs(db: Kysely<Database>, orgId: string, filter: AuditLogFilter): Promise<Page<AuditLogRow>> {
  let query = db.selectFrom('audit_logs').where('org_id', '=', orgId);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.resourceType) query = query.where('resource_type', '=', filter.resourceType);
  if (filter.resourceId) query = query.where('resource_id', '=', filter.resourceId);
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(filter.perPage).offset(pageOffset(filter)).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

/** The audit actions of operations that start a workflow on a service. */
export const serviceOperationActions = ['deployment.create', 'deployment.rollback', 'service.restart', 'service.scale', 'service.stop', 'service.update'] as const;
export type ServiceOperationAction = (typeof serviceOperationActions)[number];

export interface ServiceOperationAudit {
  action: ServiceOperationAction;
  user_id: string | null;
  created_at: Date | null;
  details: AuditLogRow['details'];
  deployment_id: string | null;
  workflow_id: string;
}

/**
 * A service's operations that started a workflow, newest first. Service-level ones carry the
 * workflow in `details.workflow_id` (a scale of a service never deployed, or an update that did
 * not change the health check, started none and has no such key); deploys and rollbacks are
 * audited on their deployment, whose row names the workflow.
 */
export async function serviceOperationAudits(db: Kysely<Database>, orgId: string, serviceId: string, limit: number): Promise<ServiceOperationAudit[]> {
  const rows = await db
    .selectFrom('audit_logs as a')
    .leftJoin('deployments as d', (join) => join.onRef('d.id', '=', 'a.resource_id').on('a.resource_type', '=', 'deployment'))
    .where('a.org_id', '=', orgId)
    .where('a.action', 'in', serviceOperationActions)
    .where((eb) =>
      eb.or([
        eb.and([eb('a.resource_type', '=', 'service'), eb('a.resource_id', '=', serviceId), sql<boolean>`a.details ? 'workflow_id'`]),
        eb.and([eb('d.service_id', '=', serviceId), eb('d.workflow_id', 'is not', null)]),
      ]),
    )
    .select(['a.action', 'a.user_id', 'a.created_at', 'a.details', 'd.id as deployment_id', sql<string>`coalesce(d.workflow_id, a.details->>'workflow_id')`.as('workflow_id')])
    .orderBy('a.created_at', 'desc')
    .orderBy('a.id')
    .limit(limit)
    .execute();
  return rows as ServiceOperationAudit[];
}
