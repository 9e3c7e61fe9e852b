import type { Kysely } from 'kysely';
import { insertAuditLog } from '../db/queries/audit-logs.js';
import type { Database, JsonValue } from '../db/postgres/database.js';
import type { Caller } from './caller.js';

export interface AuditEntry {
  /** `<resource>.<verb>`: `server.create`, `project.delete`, `auth.login`. */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  /** What changed, for a person reading the log later. Never secrets: tokens, passwords, env values. */
  details?: { [key: string]: JsonValue };
}

/** Where a change came from: an HTTP request is one as it is; a workflow step passes what it knows. */
export interface AuditOrigin {
  ip?: string | null;
  headers?: { 'user-agent'?: string | string[] | undefined };
}

/**
 * Who acted: a caller, or the platform itself acting unattended (`alerting`: the alert evaluator's
 * work for an incident, such as its summary by the organization's model), which has no user.
 */
export type AuditActor = Pick<Caller, 'orgId' | 'tokenId'> & { userId: string | null; via: Caller['via'] | 'alerting' };

/**
 * Records a mutation in `audit_logs`. Pass the mutation's transaction as `db`, so the change and
 * its record commit together or not at all.
 */
export async function recordAudit(
  db: Kysely<Database>,
  origin: AuditOrigin,
  actor: AuditActor,
  entry: AuditEntry,
): Promise<void> {
  const userAgent = origin.headers?.['user-agent'];
  await insertAuditLog(db, {
    org_id: actor.orgId,
    user_id: actor.userId,
    action: entry.action,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId ?? null,
    details: JSON.stringify({ ...entry.details, via: actor.via, ...(actor.tokenId ? { token_id: actor.tokenId } : {}) }),
    ip_address: origin.ip ?? null,
    user_agent: typeof userAgent === 'string' ? userAgent : null,
  });
}
