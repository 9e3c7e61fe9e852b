import type { Kysely } from 'kysely';
import type { AcmeSettingsRow, Database } from '../postgres/database.js';

export async function acmeSettingsOf(db: Kysely<Database>, orgId: string): Promise<AcmeSettingsRow | undefined> {
  return db.selectFrom('acme_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

/** The organization's row, locked for the transaction so that two changes apply one after the other. */
export async function lockAcmeSettings(db: Kysely<Database>, orgId: string): Promise<AcmeSettingsRow | undefined> {
  return db.selectFrom('acme_settings').selectAll().where('org_id', '=', orgId).forUpdate().executeTakeFirst();
}

export async function saveAcmeSettings(db: Kysely<Database>, row: Pick<AcmeSettingsRow, 'org_id' | 'directory_url' | 'email' | 'updated_by'>): Promise<AcmeSettingsRow> {
  return db
    .insertInto('acme_settings')
    .values(row)
    .onConflict((conflict) => conflict.column('org_id').doUpdateSet({ directory_url: row.directory_url, email: row.email, updated_by: row.updated_by, updated_at: new Date() }))
    .returningAll()
    .executeTakeFirstOrThrow();
}
