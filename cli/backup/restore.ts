import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../../config/env.js';
import { createDb } from '../../db/postgres/connection.js';
import { findPostgresTool } from '../../engines/postgres-tools.js';
import { SecretCipher } from '../../control/secrets/cipher.js';
import { loadMasterKey, masterKeyFileName } from '../../control/secrets/master-key.js';
import { opensKeyCheck } from '../../control/secrets/open-cipher.js';
import { BackupError, dumpFile, libpqTarget, run, unpack } from './archive.js';

/**
 * `syntra restore <archive>`: into an empty database (`DATABASE_URL`, a new external one or the
 * one of an empty data folder's engine). The master key must be given (SYNTRA_MASTER_KEY, or the
 * key file put back in the data folder) and must open the archive's key check before anything is
 * restored: a restore under the wrong key would leave every secret unreadable.
 */
export async function runRestore(config: Config, archive: string): Promise<void> {
  if (!config.DATABASE_URL) throw new BackupError('DATABASE_URL is not set: point it at the empty database to restore into');
  if (!config.SYNTRA_MASTER_KEY && !existsSync(path.join(config.dataDir, masterKeyFileName))) {
    throw new BackupError(`no master key: set SYNTRA_MASTER_KEY, or put the key file back at ${path.join(config.dataDir, masterKeyFileName)} (a backup never holds it)`);
  }
  const folder = await mkdtemp(path.join(tmpdir(), 'syntra-restore-'));
  const db = createDb(config.DATABASE_URL);
  try {
    const manifest = await unpack(archive, folder);
    const masterKey = await loadMasterKey(config);
    const cipher = new SecretCipher(new Map([[manifest.master_key_check.key_version, masterKey.key]]), manifest.master_key_check.key_version);
    if (!opensKeyCheck(cipher, Buffer.from(manifest.master_key_check.sealed_base64, 'base64'))) {
      const where = masterKey.source === 'SYNTRA_MASTER_KEY' ? 'SYNTRA_MASTER_KEY' : `the key file ${masterKey.file}`;
      throw new BackupError(`Wrong master key: ${where} does not open this backup's key check; nothing was restored. Use the key the backed-up platform ran with.`);
    }
    const { count } = (await sql<{ count: string }>`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`.execute(db)).rows[0]!;
    if (Number(count) > 0) throw new BackupError('the target database is not empty: restore into a new database (CREATE DATABASE …), never over a live one');
    const { server_version: serverVersion } = (await sql<{ server_version: string }>`SHOW server_version`.execute(db)).rows[0]!;
    const pgRestore = await findPostgresTool('pg_restore', Number.parseInt(manifest.postgres.server_version, 10));
    if (!pgRestore) throw new BackupError(`no pg_restore able to read a dump of PostgreSQL ${manifest.postgres.server_version}: install the matching postgresql-client`);
    const target = libpqTarget(config.DATABASE_URL);
    await run(pgRestore.path, ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${target.dbname}`, path.join(folder, dumpFile)], {
      env: target.env,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stderr?: string }) => {
      throw new BackupError(`pg_restore failed, nothing was restored: ${error.stderr?.trim()}`);
    });
    process.stdout.write(`Restored the backup of ${manifest.created_at} into PostgreSQL ${serverVersion}. Telemetry: ${manifest.telemetry}.\n`);
  } finally {
    await db.destroy();
    await rm(folder, { recursive: true, force: true });
  }
}
