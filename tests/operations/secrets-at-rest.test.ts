import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type Docker from 'dockerode';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runAgent, type RunningAgent } from '../../agent/main.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { ensureDockerd, removeManaged, startTestRegistry, type TestRegistry } from '../support/docker.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { containersOf, FAST_HTTP_CHECK, operationsApi, privateTemporalConfig, startInProcessWorker } from './stack.js';

/*
 * The report of issue 14: deploy a service with a secret env var and a registry password,
 * redeploy, roll back, then search every file the control plane wrote for the two values. Here
 * every file is: the run's PostgreSQL cluster (tables and WAL, after a CHECKPOINT), the API's
 * data folder (chDB's ClickHouse parts, the master key) and the logs of the API and the agent,
 * captured at trace level. The test Temporal dev server keeps its state in memory
 * (`persistent: false`, no database file), so the histories themselves are searched, as the
 * bytes Temporal stores. ClickHouse compresses its columns, so it is also searched by query.
 */

const apiLog = 'logs/api.log';
const agentLog = 'logs/agent.log';

let registry: TestRegistry;
let temporal: Awaited<ReturnType<typeof privateTemporalConfig>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let worker: Awaited<ReturnType<typeof startInProcessWorker>>;
let agent: RunningAgent;
let agentDataDir: string;
let docker: Docker;
let rest: ReturnType<typeof operationsApi>;
let serviceId: string | undefined;
let projectSlug: string | undefined;

beforeAll(async () => {
  docker = await ensureDockerd();
  registry = await startTestRegistry();
  temporal = await privateTemporalConfig('secrets');
  api = await startTestApi('secrets', { SYNTRA_TEMPORAL_CONFIG: temporal.file }, { logTo: apiLog });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  worker = await startInProcessWorker(api.platform, temporal.taskQueue);
  const orgId = (await bootstrappedOrganization(api.platform.db)).id;
  const { server, token } = await createServer(api.platform.db, orgId, 'secrets');
  agentDataDir = await mkdtemp(path.join(tmpdir(), 'syntra-secrets-agent-'));
  agent = await runAgent({
    url: baseUrl,
    token,
    serverId: server.id,
    telemetry: { dataDir: agentDataDir, host: '127.0.0.1', port: 0 },
    log: pino({ level: 'trace' }, pino.destination({ dest: path.join(api.config.dataDir, agentLog), mkdir: true, sync: true })),
  });
  rest = operationsApi(baseUrl, api.ownerToken);
  projectSlug = (await createProject(api.platform.db, orgId, 'secrets')).slug;
});

afterAll(async () => {
  await agent?.stop();
  await worker?.stop();
  await api?.close();
  await temporal?.cleanup();
  if (agentDataDir) await rm(agentDataDir, { recursive: true, force: true });
  if (docker) await removeManaged(docker, { serviceIds: serviceId ? [serviceId] : [], projectName: projectSlug });
  await registry?.cleanup();
});

/** Every regular file under `dir`, read whole; files that vanish meanwhile (recycled WAL) are skipped. */
async function* filesUnder(dir: string): AsyncGenerator<{ file: string; bytes: Buffer }> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(file);
    else if (entry.isFile()) {
      const bytes = await readFile(file).catch(() => null);
      if (bytes) yield { file, bytes };
    }
  }
}

/** For each value, the files under `dirs` that hold it. */
async function filesHolding(dirs: string[], values: string[]): Promise<Map<string, string[]>> {
  const found = new Map(values.map((value) => [value, [] as string[]]));
  for (const dir of dirs) {
    for await (const { file, bytes } of filesUnder(dir)) {
      for (const value of values) if (bytes.includes(value)) found.get(value)!.push(file);
    }
  }
  return found;
}

/** ClickHouse tables whose rows, as text, hold `value`. */
async function clickHouseTablesHolding(value: string): Promise<string[]> {
  const { client } = api.platform.clickhouse;
  const tables = await (
    await client.query({
      query: "SELECT database, name FROM system.tables WHERE database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') AND engine LIKE '%MergeTree'",
      format: 'JSONEachRow',
    })
  ).json<{ database: string; name: string }>();
  const holding: string[] = [];
  for (const { database, name } of tables) {
    const [row] = await (
      await client.query({
        query: `SELECT count() AS hits FROM \`${database}\`.\`${name}\` WHERE position(toString(tuple(*)), {value:String}) > 0`,
        query_params: { value },
        format: 'JSONEachRow',
      })
    ).json<{ hits: string }>();
    if (Number(row!.hits) > 0) holding.push(`${database}.${name}`);
  }
  return holding;
}

describe('secrets at rest', () => {
  it('a secret env var and a registry password, deployed, redeployed and rolled back, are in no file, history or answer', async () => {
    const envSecret = `env-secret-${randomBytes(12).toString('hex')}`;
    const registryPassword = registry.password;
    const greeting = `plain-greeting-${randomBytes(6).toString('hex')}`;
    const serviceName = `vault-${randomBytes(4).toString('hex')}`;
    const secrets = [envSecret, registryPassword];

    const project = await api.platform.db.selectFrom('projects').select('id').where('slug', '=', projectSlug!).executeTakeFirstOrThrow();
    const serverRow = await api.platform.db.selectFrom('servers').select('id').where('name', '=', 'secrets').executeTakeFirstOrThrow();
    const pushed = registry.images.httpV1;
    const created = await rest.call('POST', `/projects/${project.id}/services`, {
      name: serviceName,
      server_id: serverRow.id,
      port: 8080,
      health_check: FAST_HTTP_CHECK,
      source_type: 'image',
      source_config: {
        image: { registry: registry.registry, repository: pushed.repository, tag: pushed.tag },
        registry_auth: { username: registry.username, password: registryPassword },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    serviceId = created.body.data.id as string;
    const env = await rest.call('PUT', `/services/${serviceId}/env`, {
      variables: [
        { key: 'API_TOKEN', value: envSecret, is_secret: true },
        // The test image prints GREETING on start: a plain value that travels to ClickHouse as a log line.
        { key: 'GREETING', value: greeting },
      ],
    });
    expect(env.status, JSON.stringify(env.body)).toBe(200);

    const first = await rest.deploy(serviceId);
    expect((await rest.until(first, ['running', 'failed'])).status).toBe('running');
    const second = await rest.deploy(serviceId, { image_tag: 'v2' });
    expect((await rest.until(second, ['running', 'failed'])).status).toBe('running');
    const rollback = await rest.call('POST', `/services/${serviceId}/rollback`, { deployment_id: first });
    expect(rollback.status, JSON.stringify(rollback.body)).toBe(201);
    const third = rollback.body.data.id as string;
    expect((await rest.until(third, ['running', 'failed'])).status).toBe('running');

    // The secrets did reach the agent: the registry let it pull, and the container has the env var.
    const [running] = await containersOf(docker, serviceId, { running: true });
    expect((await docker.getContainer(running!.Id).inspect()).Config.Env).toContain(`API_TOKEN=${envSecret}`);

    // The outbox let go of them once the agent answered.
    const commands = await api.platform.db.selectFrom('agent_commands').selectAll().where('type', '=', 'deploy').execute();
    expect(commands.filter((command) => [first, second, third].some((id) => command.request_id.endsWith(id)))).toHaveLength(3);
    for (const command of commands) expect(command).toMatchObject({ status: 'answered', sealed_secrets: null });

    // Answers: none holds a secret, but the env listing shows it on request.
    const answers = [
      await rest.call('GET', `/services/${serviceId}`),
      await rest.call('GET', `/services/${serviceId}/deployments?per_page=100`),
      ...(await Promise.all([first, second, third].map((id) => rest.call('GET', `/deployments/${id}`)))),
      await rest.call('GET', '/audit-logs?per_page=100'),
      await rest.call('GET', `/services/${serviceId}/env`),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const secret of secrets) expect(JSON.stringify(answer.body)).not.toContain(secret);
    }
    expect(JSON.stringify(answers.at(-1)!.body)).toContain(greeting);
    const revealed = await rest.call('GET', `/services/${serviceId}/env?reveal=true`);
    expect(revealed.body.data).toContainEqual({ key: 'API_TOKEN', value: envSecret, is_secret: true });

    // Temporal: every run of this service, as the bytes of its history.
    const client = new Client({ connection: api.platform.temporal.connection, namespace: api.platform.temporal.namespace });
    const runs: string[] = [];
    await expect
      .poll(
        async () => {
          runs.length = 0;
          for await (const run of client.workflow.list({ query: `SyntraServiceId = "${serviceId}"` })) runs.push(run.workflowId);
          return runs;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(expect.arrayContaining([`deploy-${first}`, `deploy-${second}`, `rollback-${third}`]));
    for (const workflowId of runs) {
      const history = Buffer.from(proto.api.history.v1.History.encode(await client.workflow.getHandle(workflowId).fetchHistory()).finish());
      expect(history.includes(serviceId), `${workflowId}'s history names its service`).toBe(true);
      for (const secret of secrets) expect(history.includes(secret), `${workflowId}'s history`).toBe(false);
    }

    // ClickHouse by query: the app's start-up line arrived, and no table holds a secret.
    await expect.poll(() => clickHouseTablesHolding(greeting), { timeout: 60_000, interval: 1_000 }).not.toEqual([]);
    for (const secret of secrets) expect(await clickHouseTablesHolding(secret)).toEqual([]);

    // Every file: PostgreSQL's pages and WAL flushed first.
    const admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
    await admin.connect();
    try {
      await admin.query('CHECKPOINT');
    } finally {
      await admin.end();
    }
    const found = await filesHolding([inject('testDataDir'), api.config.dataDir], [...secrets, serviceName]);
    // The search reads what it should: the plain service name is in the WAL, and the logs were written.
    expect(found.get(serviceName)!.some((file) => file.includes(`${path.sep}pg_wal${path.sep}`))).toBe(true);
    expect((await readFile(path.join(api.config.dataDir, apiLog), 'utf8')).length).toBeGreaterThan(0);
    expect(await readFile(path.join(api.config.dataDir, agentLog), 'utf8')).toContain('connected to the control plane');
    expect(found.get(envSecret), 'files holding the secret env var').toEqual([]);
    expect(found.get(registryPassword), 'files holding the registry password').toEqual([]);
  }, 300_000);
});
