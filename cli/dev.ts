import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { Config } from '../config/env.js';
import { createDb } from '../db/postgres/connection.js';
import type { Database } from '../db/postgres/database.js';
import { assertPortFree } from '../engines/ports.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../engines/postgres.js';
import { startRegistry, type RunningRegistry } from '../engines/registry.js';
import { startTemporalDevServer, type RunningTemporal } from '../engines/temporal.js';
import { ensureTokenSigningKey } from '../control/registry/token-keys.js';
import { registryService, tokenIssuer } from '../control/registry/token-server.js';
import { loadTemporalDevConfig } from '../engines/temporal-config.js';
import { onShutdown } from './lifecycle.js';
import { scheduleRegistryGarbage, type RegistryGarbageSchedule } from './registry-garbage-schedule.js';
import { createLogger } from './logger.js';
import { supervise, type SupervisedProcess } from './supervisor.js';
import { offerThisMachine } from './this-machine.js';

const apiReadyTimeoutMs = 120_000;

/**
 * `syntra dev`: the whole platform on one machine with one command. Engines without a URL in the
 * environment are started embedded under SYNTRA_DATA_DIR (kept across runs); the API and the
 * worker run as supervised child processes so either can crash or be killed on its own. When a
 * Docker Engine answers, this machine is offered as a server with its own agent (./this-machine.ts).
 */
export async function runDev(config: Config): Promise<void> {
  const began = performance.now();
  const log = createLogger(config, 'dev');
  const temporalDev = await loadTemporalDevConfig(path.resolve(config.SYNTRA_TEMPORAL_CONFIG));

  await assertPortFree(config.PORT, 'Syntra API (PORT)', config.HOST);
  if (!config.DATABASE_URL) await assertPortFree(config.SYNTRA_POSTGRES_PORT, 'embedded PostgreSQL (SYNTRA_POSTGRES_PORT)');
  if (!config.REGISTRY_URL) await assertPortFree(config.SYNTRA_REGISTRY_PORT, 'the platform registry (SYNTRA_REGISTRY_PORT)', '127.0.0.1');

  const engines: { postgres?: RunningPostgres; temporal?: RunningTemporal; registry?: RunningRegistry } = {};
  const children: SupervisedProcess[] = [];
  let registryGarbage: { schedule: RegistryGarbageSchedule; db: Kysely<Database> } | undefined;
  const stopAll = async () => {
    await Promise.all(children.map((child) => child.stop()));
    await registryGarbage?.schedule.stop();
    await registryGarbage?.db.destroy();
    await Promise.all([engines.temporal?.stop(), engines.postgres?.stop(), engines.registry?.stop()]);
  };
  onShutdown(log, stopAll);

  const started = await Promise.allSettled([
    config.DATABASE_URL
      ? undefined
      : startEmbeddedPostgres({ dir: path.join(config.dataDir, 'postgres'), port: config.SYNTRA_POSTGRES_PORT, database: 'syntra', log })
          .then((postgres) => (engines.postgres = postgres)),
    config.TEMPORAL_ADDRESS
      ? undefined
      : startTemporalDevServer(temporalDev, { dataDir: config.dataDir, toolsDir: config.toolsDir, persistent: true }, log)
          .then((temporal) => (engines.temporal = temporal)),
    config.REGISTRY_URL ? undefined : startDevRegistry(config).then((registry) => (engines.registry = registry)),
  ]);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await stopAll();
    throw failure.reason;
  }

  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    SYNTRA_DATA_DIR: config.dataDir,
    SYNTRA_TOOLS_DIR: config.toolsDir,
    DATABASE_URL: engines.postgres?.url ?? config.DATABASE_URL,
    TEMPORAL_ADDRESS: engines.temporal?.address ?? config.TEMPORAL_ADDRESS,
    TEMPORAL_WEB_URL: config.TEMPORAL_WEB_URL ?? engines.temporal?.uiUrl ?? undefined,
    REGISTRY_URL: engines.registry ? `http://${engines.registry.address}` : config.REGISTRY_URL,
    SYNTRA_MANAGED_ENGINES: [engines.postgres && 'postgres', engines.temporal && 'temporal'].filter(Boolean).join(','),
    // The UI with hot reload, on the API's own URL.
    SYNTRA_UI: 'dev',
  };
  children.push(supervise('api', childEnv, log), supervise('worker', childEnv, log));
  if (engines.registry && config.SYNTRA_REGISTRY_GC_HOURS > 0) {
    const db = createDb(childEnv.DATABASE_URL!, { log, max: 1 });
    const schedule = scheduleRegistryGarbage({ registry: engines.registry, intervalMs: config.SYNTRA_REGISTRY_GC_HOURS * 3_600_000, db, log });
    registryGarbage = { schedule, db };
  }

  const controlPlaneUrl = `http://${config.HOST}:${config.PORT}`;
  const apiUrl = `${controlPlaneUrl}/api/v1`;
  let thisMachine: Awaited<ReturnType<typeof offerThisMachine>>;
  try {
    // The API migrates the database and bootstraps the organization before it reports healthy.
    await waitForHealthy(`${apiUrl}/health`, apiReadyTimeoutMs);
    thisMachine = await offerThisMachine({ config, databaseUrl: childEnv.DATABASE_URL!, controlPlaneUrl, env: childEnv, log });
    if (thisMachine.agent) children.push(thisMachine.agent);
  } catch (error) {
    await stopAll();
    throw error;
  }
  const temporalWeb = childEnv.TEMPORAL_WEB_URL;
  const namespace = config.TEMPORAL_NAMESPACE ?? temporalDev.namespace;
  const lines = [
    `Syntra is up in ${((performance.now() - began) / 1000).toFixed(1)} s`,
    `  UI            http://${config.HOST}:${config.PORT}/ (hot reload)`,
    `  API           ${apiUrl}`,
    `  Health        ${apiUrl}/health`,
    `  Temporal      ${childEnv.TEMPORAL_ADDRESS} (namespace ${namespace})`,
    ...(temporalWeb ? [`  Temporal Web  ${temporalWeb}/namespaces/${namespace}/workflows`] : []),
    `  PostgreSQL    ${engines.postgres ? 'embedded' : 'external'} (${redactPassword(childEnv.DATABASE_URL ?? '')})`,
    `  Registry      ${engines.registry ? `${engines.registry.address} (${path.join(config.dataDir, 'registry')}${registryGarbage ? `, garbage collected every ${config.SYNTRA_REGISTRY_GC_HOURS} h` : ''})` : `external (${config.REGISTRY_URL})`}`,
    `  ClickHouse    ${config.CLICKHOUSE_URL ? `external (${redactPassword(config.CLICKHOUSE_URL)})` : `embedded chDB (${path.join(config.dataDir, 'clickhouse')})`}`,
    `  This machine  ${thisMachine.summary}`,
    `  Data          ${config.dataDir}`,
    'Press Ctrl-C to stop.',
  ];
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
}

/**
 * Debian's docker-registry on loopback, its data in the data folder, sending Docker to this
 * control plane's token server; agents on this machine reach 127.0.0.1 over plain HTTP.
 */
async function startDevRegistry(config: Config): Promise<RunningRegistry> {
  const signer = await ensureTokenSigningKey(config.dataDir);
  return startRegistry({
    directory: path.join(config.dataDir, 'registry'),
    port: config.SYNTRA_REGISTRY_PORT,
    realm: `${config.publicUrl}/registry/token`,
    service: registryService,
    issuer: tokenIssuer,
    certificateFile: signer.certificateFile,
  });
}

async function waitForHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The API did not report healthy at ${url} within ${timeoutMs} ms (last: ${last})`);
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
