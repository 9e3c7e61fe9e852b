import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/postgres/connection.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { createProject, createServer } from '../support/fixtures.js';
import { operationsApi } from '../operations/stack.js';
import { defineCluster, type Cluster } from './cluster.js';
import { testTemporal } from './test-temporal.js';
import { startDebianPostgres, type DebianPostgres } from './debian-postgres.js';

/*
 * `syntra backup` and `syntra restore` as an operator runs them, against Debian's PostgreSQL: a
 * platform with a project, a service with a secret, a deployment, an issue and a workflow
 * definition is backed up, its database dropped, and restored into a new one, where a new API
 * process (on an empty data folder) serves all of it back.
 */

let postgres: DebianPostgres;
let source: Cluster;
let restored: Cluster | undefined;
let dir: string;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgres.adminUrl });
  await client.connect();
  await client.query(statement).finally(() => client.end());
}

/** The `syntra` binary with `env`: its exit code and what it printed. */
function syntra(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['bin/syntra.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

beforeAll(async () => {
  postgres = await startDebianPostgres();
  dir = await mkdtemp(path.join(tmpdir(), 'syntra-backup-test-'));
  await admin('CREATE DATABASE original');
  source = await defineCluster({ temporal: testTemporal(), databaseUrl: postgres.databaseUrl('original'), apiCount: 1, workerCount: 0 });
  await source.start(source.apis[0]!);
}, 120_000);

afterAll(async () => {
  await source?.cleanup();
  await restored?.cleanup();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('backup and restore', () => {
  it('backs up, wipes, and restores projects, services, env secrets, deployments, issues and workflow definitions', async () => {
    const db = createDb(postgres.databaseUrl('original'));
    const rest = operationsApi(source.apis[0]!.url, source.ownerToken);
    let ids: { project: string; service: string; deployment: string; issue: string; workflow: string };
    try {
      const orgId = (await bootstrappedOrganization(db)).id;
      const project = await createProject(db, orgId, 'kept');
      const { server } = await createServer(db, orgId, 'kept-host');
      const service = await db
        .insertInto('services')
        .values({ project_id: project.id, server_id: server.id, name: 'shop', source_type: 'image', image_name: 'registry.invalid/shop', image_tag: 'v1', port: 8080 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const env = await rest.call('PUT', `/services/${service.id}/env`, { variables: [{ key: 'DATABASE_PASSWORD', value: 'hunter2-kept', is_secret: true }] });
      expect(env.status, JSON.stringify(env.body)).toBe(200);
      const deployment = await db.insertInto('deployments').values({ service_id: service.id, status: 'running' }).returning('id').executeTakeFirstOrThrow();
      const now = new Date();
      const issue = await db
        .insertInto('error_groups')
        .values({ service_id: service.id, fingerprint: 'f'.repeat(64), title: 'TypeError: kept', exception_type: 'TypeError', first_seen_at: now, last_seen_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const workflow = await rest.call('POST', `/projects/${project.id}/workflows`, {
        name: 'kept-release',
        definition: { nodes: [{ id: 'ship', step: { type: 'deploy', service_id: service.id } }], edges: [] },
      });
      expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
      ids = { project: project.id, service: service.id, deployment: deployment.id, issue: issue.id, workflow: workflow.body.data.id };
    } finally {
      await db.destroy();
    }

    const archive = path.join(dir, 'platform.tar');
    const backup = await syntra(['backup', '--output', archive], source.apis[0]!.env);
    expect(backup.code, backup.output).toBe(0);
    expect(backup.output).toMatch(/master key is not in it/);
    await source.stopAll();
    await admin('DROP DATABASE original WITH (FORCE)');
    await admin('CREATE DATABASE replacement');

    const target = { ...source.apis[0]!.env, DATABASE_URL: postgres.databaseUrl('replacement'), SYNTRA_DATA_DIR: path.join(dir, 'empty-data') };
    const wrongKey = await syntra(['restore', archive], { ...target, SYNTRA_MASTER_KEY: randomBytes(32).toString('hex') });
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.output).toMatch(/Wrong master key: SYNTRA_MASTER_KEY does not open this backup's key check; nothing was restored/);
    const noKey = await syntra(['restore', archive], { ...target, SYNTRA_MASTER_KEY: '' });
    expect(noKey.code).not.toBe(0);
    expect(noKey.output).toMatch(/no master key/);
    const restore = await syntra(['restore', archive], target);
    expect(restore.code, restore.output).toBe(0);
    const again = await syntra(['restore', archive], target);
    expect(again.output).toMatch(/not empty/);

    // A new API process on an empty data folder serves everything back, secrets decrypted.
    restored = await defineCluster({
      temporal: testTemporal(),
      databaseUrl: postgres.databaseUrl('replacement'),
      apiCount: 1,
      workerCount: 0,
      env: { SYNTRA_MASTER_KEY: source.masterKey, SYNTRA_BOOTSTRAP_TOKEN: source.ownerToken },
    });
    await restored.start(restored.apis[0]!);
    const back = operationsApi(restored.apis[0]!.url, source.ownerToken);
    expect((await back.call('GET', `/projects/${ids.project}`)).status).toBe(200);
    expect((await back.call('GET', `/services/${ids.service}`)).body.data).toMatchObject({ name: 'shop' });
    expect((await back.call('GET', `/services/${ids.service}/env?reveal=true`)).body.data).toEqual([{ key: 'DATABASE_PASSWORD', value: 'hunter2-kept', is_secret: true }]);
    expect((await back.call('GET', `/deployments/${ids.deployment}`)).body.data).toMatchObject({ status: 'running' });
    expect((await back.call('GET', `/issues/${ids.issue}`)).body.data).toMatchObject({ title: 'TypeError: kept' });
    expect((await back.call('GET', `/workflows/${ids.workflow}`)).body.data).toMatchObject({ name: 'kept-release' });
  }, 240_000);
});
