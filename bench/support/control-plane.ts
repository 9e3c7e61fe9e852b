import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildApi } from '../../api/app.js';
import { issueToken } from '../../contracts/tokens.js';
import { openPlatform } from '../../control/platform.js';
import { loadConfig } from '../../config/env.js';
import { freePort } from '../../engines/ports.js';
import { startEmbeddedPostgres } from '../../engines/postgres.js';
import { startTemporalDevServer } from '../../engines/temporal.js';
import { loadTemporalDevConfig } from '../../engines/temporal-config.js';

/**
 * A whole control plane for a benchmark, in this process, on its own engines, ports and folder:
 * embedded PostgreSQL, an in-memory Temporal dev server, the API and gateway listening on 127.0.0.1.
 */
export async function startBenchControlPlane(environment: Record<string, string> = {}) {
  const log = pino({ level: 'error' });
  const dir = await mkdtemp(path.join(tmpdir(), 'syntra-bench-'));
  // PostgreSQL runs as the `postgres` user when we are root and must reach its folder.
  await chmod(dir, 0o755);
  const postgres = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), database: 'syntra', log });
  const temporalDev = await loadTemporalDevConfig('temporal-dev.yaml');
  const temporal = await startTemporalDevServer(
    { ...temporalDev, ui: { ...temporalDev.ui, enabled: false } },
    { dataDir: dir, toolsDir: path.resolve('.tools'), persistent: false, ports: { frontend: await freePort(), http: await freePort(), metrics: await freePort() } },
    log,
  );
  const config = loadConfig({
    SYNTRA_DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporal.address,
    LOG_LEVEL: 'error',
    ...environment,
  });
  const platform = await openPlatform(config, log);
  const app = await buildApi(platform, log);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const owner = await platform.db.insertInto('users').values({ email: 'bench@example.com' }).returning('id').executeTakeFirstOrThrow();
  const org = await platform.db.insertInto('organizations').values({ name: 'bench', slug: 'bench', owner_id: owner.id }).returning('id').executeTakeFirstOrThrow();
  return {
    url,
    platform,
    db: platform.db,
    orgId: org.id,
    dir,
    stop: async () => {
      await app.close();
      await platform.close();
      await Promise.all([temporal.stop(), postgres.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The environment that makes the first start's owner use `token`, with the rate limiter off:
 * a benchmark sends more from one token and address than any user may (the limiter has its tests).
 */
export function benchOwner() {
  const token = issueToken('usr').token;
  return {
    token,
    headers: { authorization: `Bearer ${token}` },
    environment: { SYNTRA_BOOTSTRAP_TOKEN: token, SYNTRA_RATE_LIMIT_IP_PER_MINUTE: '0', SYNTRA_RATE_LIMIT_CALLER_PER_MINUTE: '0', SYNTRA_AI_RATE_LIMIT_PER_MINUTE: '0' },
  };
}
