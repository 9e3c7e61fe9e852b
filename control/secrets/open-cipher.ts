import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config/env.js';
import type { Database } from '../../db/postgres/database.js';
import { insertMasterKeyCheck, masterKeyCheck } from '../../db/queries/master-key-checks.js';
import { SecretCipher, SecretDecryptionError } from './cipher.js';
import { loadMasterKey, type MasterKey } from './master-key.js';

/** The version new values are sealed with; a rotation adds the next one beside it. */
export const currentMasterKeyVersion = 1;

const checkContext = 'master_key_checks.check_value';
const checkPlaintext = 'syntra master key check';

/** The master key does not open what this database was sealed with. */
export class MasterKeyMismatchError extends Error {
  constructor(masterKey: MasterKey, keyVersion: number) {
    const where =
      masterKey.source === 'SYNTRA_MASTER_KEY' ? 'SYNTRA_MASTER_KEY' : `SYNTRA_MASTER_KEY is unset, and the key file ${masterKey.file}`;
    super(
      `Wrong master key: ${where} does not open this database's key check (master_key_checks, version ${keyVersion}), ` +
        'so it cannot decrypt the stored environment variables and registry passwords. ' +
        'Start with the key this database was first started with (set SYNTRA_MASTER_KEY, or restore the key file).',
    );
    this.name = 'MasterKeyMismatchError';
  }
}

/**
 * Loads the master key and proves it is the database's: the first start seals a known value in
 * `master_key_checks`, every later start must open it. A wrong key stops the start here, loudly,
 * rather than surfacing as failed decryptions (or worse, new values sealed under a second key).
 */
export async function openSecretCipher(db: Kysely<Database>, config: Pick<Config, 'SYNTRA_MASTER_KEY' | 'dataDir'>, log: Logger): Promise<SecretCipher> {
  const masterKey = await loadMasterKey(config);
  if (masterKey.source === 'generated') log.warn({ file: masterKey.file }, 'Generated a master key for secrets; back this file up, or move it into SYNTRA_MASTER_KEY');
  const cipher = new SecretCipher(new Map([[currentMasterKeyVersion, masterKey.key]]), currentMasterKeyVersion);

  await insertMasterKeyCheck(db, currentMasterKeyVersion, cipher.seal(checkPlaintext, checkContext));
  const stored = await masterKeyCheck(db, currentMasterKeyVersion);
  if (!stored) throw new Error(`master_key_checks lost its row for version ${currentMasterKeyVersion} right after writing it`);
  if (opensKeyCheck(cipher, stored)) return cipher;
  throw new MasterKeyMismatchError(masterKey, currentMasterKeyVersion);
}

/** Whether `cipher` opens a database's sealed key check (`syntra restore` asks before restoring anything). */
export function opensKeyCheck(cipher: SecretCipher, sealed: Buffer): boolean {
  try {
    return cipher.open(sealed, checkContext) === checkPlaintext;
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    return false;
  }
}
