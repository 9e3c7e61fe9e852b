import type { Kysely } from 'kysely';
import type { AiSettingsRow, Database } from '../postgres/database.js';

export async function aiSettingsOf(db: Kysely<Database>, orgId: string): Promise<AiSettingsRow | undefined> {
  return db.selectFrom('ai_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

/** Locks the organization's row (creating it, off) so that two owners' changes apply one after the other. */
export async function lockAiSettings(db: Kysely<Database>, orgId: string): Promise<AiSettingsRow> {
  await db.insertInto('ai_settings').values({ org_id: orgId }).onConflict((conflict) => conflict.column('org_id').doNothing()).execute();
  return db.selectFrom('ai_settings').selectAll().where('org_id', '=', orgId).forUpdate().executeTakeFirstOrThrow();
}

export async function saveAiSettings(
  db: Kysely<Database>,
  row: Pick<AiSettingsRow, 'org_id' | 'enabled' | 'base_url' | 'model' | 'api_key_encrypted' | 'updated_by'>,
): Promise<AiSettingsRow> {
  return db
    .updateTable('ai_settings')
    .set({ enabled: row.enabled, base_url: row.base_url, model: row.model, api_key_encrypted: row.api_key_encrypted, updated_by: row.updated_by, updated_at: new Date() })
    .where('org_id', '=', row.org_id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
