import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';

export const run = promisify(execFile);

/** A backup or restore that cannot go on, for a reason the person can fix; printed as one line. */
export class BackupError extends Error {
  override name = 'BackupError';
}

const manifestFile = 'manifest.json';
export const dumpFile = 'postgres.dump';

/**
 * What a backup archive holds besides the dump. The master key is never in it: only the
 * database's sealed key check, so a restore can tell a wrong key before it restores anything.
 */
export const BackupManifest = z.object({
  format: z.literal('syntra-backup'),
  version: z.literal(1),
  created_at: z.string(),
  postgres: z.object({ server_version: z.string(), dump: z.literal(dumpFile) }),
  master_key_check: z.object({ key_version: z.number().int(), sealed_base64: z.string() }),
  telemetry: z.string(),
  temporal: z.string(),
});
export type BackupManifest = z.infer<typeof BackupManifest>;

export const telemetryNote =
  'not included: ClickHouse telemetry (spans, logs, metrics) is kept for its retention period only and is not restored; issues and their events are in PostgreSQL';
export const temporalNote =
  'not included: workflows open at backup time are re-driven from the database (deployments, outbox, runs) by the next worker; histories are not copied';

/** The archive is a plain tar (GNU tar, present on every Debian), readable without Syntra. */
export async function pack(folder: string, archive: string, manifest: BackupManifest): Promise<void> {
  await writeFile(path.join(folder, manifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('tar', ['-cf', path.resolve(archive), '-C', folder, manifestFile, dumpFile]);
}

export async function unpack(archive: string, folder: string): Promise<BackupManifest> {
  await run('tar', ['-xf', path.resolve(archive), '-C', folder, manifestFile, dumpFile]).catch((error: { stderr?: string }) => {
    throw new BackupError(`${archive} is not a Syntra backup archive: ${error.stderr?.trim() ?? 'tar failed'}`);
  });
  const parsed = BackupManifest.safeParse(JSON.parse(await readFile(path.join(folder, manifestFile), 'utf8')));
  if (!parsed.success) throw new BackupError(`${archive} has a manifest this version cannot read: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * libpq's programs take the password from PGPASSWORD, so it never shows in the process list as
 * part of a --dbname URL would.
 */
export function libpqTarget(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}
