import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { freePort } from '../engines/ports.js';
import { startEmbeddedPostgres } from '../engines/postgres.js';
import { isAlive } from '../engines/stale-process.js';
import { startTemporalDevServer } from '../engines/temporal.js';
import { loadTemporalDevConfig } from '../engines/temporal-config.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    temporalAddress: string;
    temporalNamespace: string;
    toolsDir: string;
    /** This run's engine folder: the PostgreSQL cluster (data and WAL) and Temporal's state. */
    testDataDir: string;
  }
}

/**
 * Test engines live apart from a developer's `.syntra/`, on ports of their own, started once per
 * run, in a folder per run so two runs at once never pull each other's cluster away.
 */
const testRoot = path.resolve('.syntra-test');
export const testDataDir = path.join(testRoot, `run-${process.pid}`);

/** Folders of runs whose process is gone (killed before teardown) are removed. */
async function removeAbandonedRuns(): Promise<void> {
  const entries = await readdir(testRoot).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = Number(/^run-(\d+)$/.exec(entry)?.[1]);
    if (!pid || isAlive(pid)) continue;
    await rm(path.join(testRoot, entry), { recursive: true, force: true });
  }
}

export default async function setup(project: TestProject) {
  const log = pino({ level: process.env.TEST_ENGINE_LOG_LEVEL ?? 'warn' });
  const toolsDir = path.resolve(process.env.SYNTRA_TOOLS_DIR ?? '.tools');
  await removeAbandonedRuns();
  await mkdir(testDataDir, { recursive: true, mode: 0o755 });

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
  project.provide('testDataDir', testDataDir);

  return async () => {
    await Promise.all([temporal.stop(), postgres.stop()]);
    await rm(testDataDir, { recursive: true, force: true });
  };
}
