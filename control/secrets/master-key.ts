import { randomBytes } from 'node:crypto';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/env.js';
import { readFileIfPresent } from '../../config/files.js';
import { masterKeyBytes, parseMasterKey } from '../../config/master-key.js';

/** Where a generated master key is kept: in the data folder, readable by its owner only. */
export const masterKeyFileName = 'master.key';

export interface MasterKey {
  key: Buffer;
  /** Where it came from, for the start-up log and for error messages. */
  source: 'SYNTRA_MASTER_KEY' | 'file' | 'generated';
  file: string;
}

/**
 * SYNTRA_MASTER_KEY when set; otherwise the key file in the data folder, created with a fresh
 * random key on the first start. The API and the worker may start together on a new data folder:
 * the file is written under a private name and hard-linked into place, which fails for the
 * later of the two, who then reads the winner's key, never a half-written file.
 */
export async function loadMasterKey(config: Pick<Config, 'SYNTRA_MASTER_KEY' | 'dataDir'>): Promise<MasterKey> {
  const file = path.join(config.dataDir, masterKeyFileName);
  if (config.SYNTRA_MASTER_KEY) {
    const key = parseMasterKey(config.SYNTRA_MASTER_KEY);
    // config/env.ts validates the same way, so this guards callers that build a Config by hand.
    if (!key) throw new Error(`SYNTRA_MASTER_KEY must be ${masterKeyBytes} bytes written as 64 hex digits or base64`);
    return { key, source: 'SYNTRA_MASTER_KEY', file };
  }
  const stored = await readKeyFile(file);
  if (stored) return { key: stored, source: 'file', file };

  await mkdir(config.dataDir, { recursive: true });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${randomBytes(masterKeyBytes).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  let generated = true;
  try {
    await link(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    generated = false;
  } finally {
    await rm(draft, { force: true });
  }
  const key = await readKeyFile(file);
  if (!key) throw new Error(`${file} vanished right after it was written`);
  return { key, source: generated ? 'generated' : 'file', file };
}

async function readKeyFile(file: string): Promise<Buffer | null> {
  const text = await readFileIfPresent(file);
  if (text === null) return null;
  const key = parseMasterKey(text);
  if (!key) throw new Error(`${file} does not hold a master key (${masterKeyBytes} bytes as hex or base64); restore it, or set SYNTRA_MASTER_KEY`);
  return key;
}
