import type Docker from 'dockerode';
import type { Kysely } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import { openSecretCipher } from '../../control/secrets/open-cipher.js';
import { createDb } from '../../db/postgres/connection.js';
import type { Database } from '../../db/postgres/database.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { ensureDockerd, removeManaged, startTestRegistry, type TestRegistry } from '../support/docker.js';
import { createProject } from '../support/fixtures.js';
import { startServerWithAgent } from '../operations/stack.js';
import { TcpBalancer } from './balancer.js';
import { defineCluster, type Cluster } from './cluster.js';
import { startDebianPostgres, type DebianPostgres } from './debian-postgres.js';
import { testTemporal } from './test-temporal.js';

/*
 * The platform past one machine, as the scaling tests drive it: two `syntra api` and two `syntra
 * worker` child processes on Debian's PostgreSQL server and the run's Temporal dev server, behind
 * a TCP load balancer on loopback, with two servers whose real agents (in this process, on
 * dockerd) connect through the balancer, and a project to deploy into.
 */

export interface ScaleStack {
  postgres: DebianPostgres;
  cluster: Cluster;
  balancer: TcpBalancer;
  registry: TestRegistry;
  docker: Docker;
  db: Kysely<Database>;
  secrets: SecretCipher;
  orgId: string;
  project: Awaited<ReturnType<typeof createProject>>;
  hosts: Awaited<ReturnType<typeof startServerWithAgent>>[];
  /** Services the test deployed, whose containers stop() removes. */
  serviceIds: string[];
  stop(): Promise<void>;
}

export async function startScaleStack(projectName: string, env: Record<string, string> = {}): Promise<ScaleStack> {
  // Undone in reverse order by stop(), or at once when the start fails half-way (Debian's PostgreSQL outlives the test process).
  const undo: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    const docker = await ensureDockerd();
    const registry = await startTestRegistry();
    undo.push(() => registry.cleanup());
    const postgres = await startDebianPostgres();
    undo.push(() => postgres.stop());
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE syntra');
    await admin.end();
    const databaseUrl = postgres.databaseUrl('syntra');
    const cluster = await defineCluster({ temporal: testTemporal(), databaseUrl, apiCount: 2, workerCount: 2, env });
    undo.push(() => cluster.cleanup());
    const balancer = await TcpBalancer.listen(cluster.apis.map((api) => api.port));
    undo.push(() => balancer.close());
    // The first API process migrates and bootstraps; the others then start together.
    await cluster.start(cluster.apis[0]!);
    await Promise.all([cluster.start(cluster.apis[1]!), ...cluster.workers.map((worker) => cluster.start(worker))]);
    const db = createDb(databaseUrl);
    undo.push(() => db.destroy());
    const secrets = await openSecretCipher(db, { SYNTRA_MASTER_KEY: cluster.masterKey, dataDir: '/nonexistent' }, pino({ level: 'silent' }));
    const orgId = (await bootstrappedOrganization(db)).id;
    const project = await createProject(db, orgId, projectName);
    const serviceIds: string[] = [];
    undo.push(() => removeManaged(docker, { serviceIds, projectName: project.slug }));
    const hosts: ScaleStack['hosts'] = [];
    for (let i = 0; i < 2; i++) {
      const host = await startServerWithAgent(db, orgId, balancer.url);
      hosts.push(host);
      undo.push(() => host.stopAgent());
    }
    return { postgres, cluster, balancer, registry, docker, db, secrets, orgId, project, hosts, serviceIds, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
