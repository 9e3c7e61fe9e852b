import type { Kysely } from 'kysely';
import type { Database, NewAuditLog } from '../postgres/database.js';

export async function insertAuditLog(db: Kysely<Database>, entry: NewAuditLog): Promise<void> {
  await db.insertInto('audit_logs').values(entry).execute();
}
