import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { insertAuditLog } from '../db/queries/audit-logs.js';
import type { Database, JsonValue } from '../db/postgres/database.js';
import type { Caller } from '../control/caller.js';

export interface AuditEntry {
  /** `<resource>.<verb>`: `server.create`, `project.delete`, `auth.login`. */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  /** What changed, for a person reading the log later. Never secrets: tokens, passwords, env values. */
  details?: { [key: string]: JsonValue };
}

/**
 * Records a mutation in `audit_logs`. Pass the mutation's transaction as `db`, so the change and
 * its record commit together or not at all.
 */
export async function recordAudit(
  db: Kysely<Database>,
  request: FastifyRequest,
  actor: Pick<Caller, 'userId' | 'orgId' | 'via' | 'tokenId'>,
  entry: AuditEntry,
): Promise<void> {
  const userAgent = request.headers['user-agent'];
  await insertAuditLog(db, {
    org_id: actor.orgId,
    user_id: actor.userId,
    action: entry.action,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId ?? null,
    details: JSON.stringify({ ...entry.details, via: actor.via, ...(actor.tokenId ? { token_id: actor.tokenId } : {}) }),
    ip_address: request.ip,
    user_agent: typeof userAgent === 'string' ? userAgent : null,
  });
}
