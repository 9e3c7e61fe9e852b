import type { AuditLogEntry } from '../../contracts/index.js';
import type { AuditLogRow } from '../../db/postgres/database.js';
import { isoTimestamp } from './timestamps.js';

export function auditLogResource(row: AuditLogRow): AuditLogEntry {
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
