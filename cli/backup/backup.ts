import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../../config/env.js';
import { createDb } from '../../db/postgres/connection.js';
import { masterKeyCheck } from '../../db/queries/master-key-checks.js';
import { findPostgresTool } from '../../engines/postgres-tools.js';
import { currentMasterKeyVersion } from '../../control/secrets/open-cipher.js';
import { BackupError, dumpFile, libpqTarget, pack, run, telemetryNote, temporalNote } from './archive.js';

/**
 * `syntra backup`: one tar archive holding a pg_dump of the platform's database (custom format,
 * restorable table by table) and a manifest. The database stays online: pg_dump reads one
 * consistent snapshot. Rate-limit buckets are left out (worthless after a restore).
 */
export async function runBackup(config: Config, output: string): Promise<void> {
  if (!config.DATABASE_URL) throw new BackupError('DATABASE_URL is not set: point it at the platform database to back up');
  const db = createDb(config.DATABASE_URL);
  try {
    const { server_version: serverVersion } = (await sql<{ server_version: string }>`SHOW server_version`.execute(db)).rows[0]!;
    const major = Number.parseInt(serverVersion, 10);
    const pgDump = await findPostgresTool('pg_dump', major);
    if (!pgDump) {
      throw new BackupError(`no pg_dump of PostgreSQL ${major} or newer (the server is ${serverVersion}): install postgresql-client-${major} (Debian) and run again`);
    }
    const sealed = await masterKeyCheck(db, currentMasterKeyVersion);
    if (!sealed) throw new BackupError('this database has no master key check: start the platform on it once before backing it up');
    const folder = await mkdtemp(path.join(tmpdir(), 'syntra-backup-'));
    try {
      const target = libpqTarget(config.DATABASE_URL);
      await run(
        pgDump.path,
        ['--format=custom', '--no-owner', '--no-privileges', '--exclude-table-data=rate_limit_buckets', `--file=${path.join(folder, dumpFile)}`, `--dbname=${target.dbname}`],
        { env: target.env, maxBuffer: 16 * 1024 * 1024 },
      ).catch((error: { stderr?: string }) => {
        throw new BackupError(`pg_dump failed: ${error.stderr?.trim()}`);
      });
      await pack(folder, output, {
        format: 'syntra-backup',
        version: 1,
        created_at: new Date().toISOString(),
        postgres: { server_version: serverVersion, dump: dumpFile },
        master_key_check: { key_version: currentMasterKeyVersion, sealed_base64: sealed.toString('base64') },
        telemetry: telemetryNote,
        temporal: temporalNote,
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
    process.stdout.write(`Backed up PostgreSQL ${serverVersion} to ${output}. The master key is not in it: keep it apart.\n`);
  } finally {
    await db.destroy();
  }
}
