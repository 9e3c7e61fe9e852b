import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { buildApi } from '../../api/app.js';
import { issueToken } from '../../contracts/tokens.js';
import { openPlatform, type Platform } from '../../control/platform.js';
import { loadConfig, type Config } from '../../config/env.js';
import { freshDatabaseUrl } from './postgres.js';
import { privateTemporalConfig } from './temporal.js';

/** A config pointing at this run's test engines, with a private database and data folder. */
export async function testConfig(label: string, overrides: Record<string, string> = {}) {
  const database = await freshDatabaseUrl(label);
  const dataDir = await mkdtemp(path.join(tmpdir(), `syntra-${label}-`));
  // Workflows this API starts (a service delete's stop, say) stay on this file's own queues.
  const temporal = await privateTemporalConfig(label);
  const config: Config = loadConfig({
    SYNTRA_DATA_DIR: dataDir,
    SYNTRA_TEMPORAL_CONFIG: temporal.file,
    SYNTRA_TOOLS_DIR: inject('toolsDir'),
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    LOG_LEVEL: 'warn',
    ...overrides,
  });
  return {
    config,
    cleanup: async () => {
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
      await temporal.cleanup();
    },
  };
}

/**
 * The API as the real process builds it, driven with `app.inject` (no socket needed). Its first
 * start bootstraps the owner with `ownerToken` as SYNTRA_BOOTSTRAP_TOKEN. `logTo` names a file
 * (made in the data folder) that gets every log line, at trace level.
 */
export async function startTestApi(label: string, overrides: Record<string, string> = {}, options: { logTo?: string } = {}) {
  const ownerToken = overrides.SYNTRA_BOOTSTRAP_TOKEN ?? issueToken('usr').token;
  const { config, cleanup } = await testConfig(label, { SYNTRA_BOOTSTRAP_TOKEN: ownerToken, ...overrides });
  const log = options.logTo
    ? pino({ level: 'trace' }, pino.destination({ dest: path.join(config.dataDir, options.logTo), mkdir: true, sync: true }))
    : pino({ level: 'warn' });
  const platform: Platform = await openPlatform(config, log);
  const app = await buildApi(platform, log);
  await app.ready();
  const api = {
    app,
    platform,
    config,
    ownerToken,
    // The app a test rebuilt (a control-plane restart) is the one to close.
    close: async () => {
      await api.app.close();
      await platform.close();
      await cleanup();
    },
  };
  return api;
}
