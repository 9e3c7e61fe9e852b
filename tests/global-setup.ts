import { rm } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { freePort } from '../engines/ports.js';
import { startEmbeddedPostgres } from '../engines/postgres.js';
import { startTemporalDevServer } from '../engines/temporal.js';
import { loadTemporalDevConfig } from '../engines/temporal-config.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    temporalAddress: string;
    temporalNamespace: string;
    toolsDir: string;
  }
}

/** Test engines live apart from a developer's `.syntra/`, on ports of their own, started once per run. */
export const testDataDir = path.resolve('.syntra-test');

export default async function setup(project: TestProject) {
  const log = pino({ level: process.env.TEST_ENGINE_LOG_LEVEL ?? 'warn' });
  const toolsDir = path.resolve(process.env.SYNTRA_TOOLS_DIR ?? '.tools');
  await rm(testDataDir, { recursive: true, force: true });

  const [postgres, temporal] = await Promise.all([
    startEmbeddedPostgres({
      dir: path.join(testDataDir, 'postgres'),
      port: await freePort(),
      database: 'postgres',
      log,
      durable: false,
    }),
    startTemporalDevServer(
      { ...(await loadTemporalDevConfig('temporal-dev.yaml')), ui: { enabled: false, ip: '127.0.0.1', port: 1 } },
      {
        dataDir: testDataDir,
        toolsDir,
        persistent: false,
        ports: { frontend: await freePort(), http: await freePort(), metrics: await freePort() },
      },
      log,
    ),
  ]);
  project.provide('postgresAdminUrl', postgres.url);
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalNamespace', temporal.namespace);
  project.provide('toolsDir', toolsDir);

  return async () => {
    await Promise.all([temporal.stop(), postgres.stop()]);
  };
}
