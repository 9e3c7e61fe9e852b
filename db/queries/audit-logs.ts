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
