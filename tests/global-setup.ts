import { rm } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { freePort } from '../engines/ports.js';
import { startEmbeddedPostgres } from '../engines/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

/** Test engines live apart from a developer's `.syntra/` and on their own ports. */
export const testDataDir = path.resolve('.syntra-test');

export default async function setup(project: TestProject) {
  const log = pino({ level: process.env.TEST_ENGINE_LOG_LEVEL ?? 'warn' });
  await rm(testDataDir, { recursive: true, force: true });

  const postgres = await startEmbeddedPostgres({
    dir: path.join(testDataDir, 'postgres'),
    port: await freePort(),
    database: 'postgres',
    log,
    durable: false,
  });
  project.provide('postgresAdminUrl', postgres.url);

  return async () => {
    await postgres.stop();
  };
}
