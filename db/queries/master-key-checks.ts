import type { Kysely } from 'kysely';
import type { Database } from '../postgres/database.js';

/** Stores the check value of a key version unless one is there already (the first start wins). */
export async function insertMasterKeyCheck(db: Kysely<Database>, keyVersion: number, checkValue: Buffer): Promise<void> {
  await db
    .insertInto('master_key_checks')
    .values({ key_version: keyVersion, check_value: checkValue })
    .onConflict((conflict) => conflict.column('key_version').doNothing())
    .execute();
}

export async function masterKeyCheck(db: Kysely<Database>, keyVersion: number): Promise<Buffer | undefined> {
  const row = await db.selectFrom('master_key_checks').select('check_value').where('key_version', '=', keyVersion).executeTakeFirst();
  return row?.check_value;
}
