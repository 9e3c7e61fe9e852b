import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry, WorkflowRun } from '../../contracts/index.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import type { Database } from '../../db/postgres/database.js';
import type { TestRegistry } from '../support/docker.js';
import { createServer } from '../support/fixtures.js';
import { postLogLines, startTelemetryAgent } from '../support/telemetry-agent.js';
import { historyOf, imageService, operationsApi, replay } from '../operations/stack.js';
import type { TcpBalancer } from './balancer.js';
import type { Cluster } from './cluster.js';
import { startScaleStack, type ScaleStack } from './scale-stack.js';
import { recordedHistoriesDir } from './recorded-histories.js';
import { testTemporal } from './test-temporal.js';

/*
 * An upgrade's rolling restart: every API and worker process is stopped (SIGTERM) and started again
 * in turn while 20 deploys and two DAG runs run and an app's log lines flow through a real agent.
 * Every deploy ends `running`, every run succeeds, and every line the agent accepted is stored
 * exactly once. Each API process has its
 * own chDB folder (docs/scaling.md), so the lines are counted over both processes' stores.
 */

const deploys = 20;
let stack: ScaleStack;
let cluster: Cluster;
let balancer: TcpBalancer;
let registry: TestRegistry;
let db: Kysely<Database>;
let secrets: SecretCipher;
let project: ScaleStack['project'];
let hosts: ScaleStack['hosts'];
let telemetryAgent: Awaited<ReturnType<typeof startTelemetryAgent>>;
let appServiceId: string;
const appDeploymentId = randomUUID();

beforeAll(async () => {
  stack = await startScaleStack('rolling');
  ({ cluster, balancer, registry, db, secrets, project, hosts } = stack);
  const { server, token } = await createServer(db, stack.orgId, 'rolling-telemetry');
  appServiceId = (
    await db.insertInto('services').values({ project_id: project.id, server_id: server.id, name: 'app', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
  ).id;
  telemetryAgent = await startTelemetryAgent({ db, url: balancer.url, serverId: server.id, token, label: 'rolling' });
}, 300_000);

afterAll(async () => {
  await telemetryAgent?.stop();
  await stack?.stop();
}, 120_000);

/** The app logging: one OTLP/JSON request of `lines` lines every 250 ms until stopped; returns the markers the agent accepted. */
function logContinuously(lines: number) {
  const accepted: string[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const markers = Array.from({ length: lines }, () => `line-${randomUUID()}`);
      const response = await postLogLines(telemetryAgent.telemetry.receiver.origin, { serviceId: appServiceId, deploymentId: appDeploymentId }, markers);
      if (response.status === 200) accepted.push(...markers);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    accepted,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Every stored copy of the app's lines, over every API process's store. */
async function storedMarkers(): Promise<string[]> {
  const pages = await Promise.all(
    cluster.apis.map(async (api) => {
      const response = await fetch(`${api.url}/api/v1/services/${appServiceId}/logs?limit=1000&from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`, {
        headers: { authorization: `Bearer ${cluster.ownerToken}` },
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { data: LogEntry[] }).data.map((entry) => entry.message);
    }),
  );
  return pages.flat();
}

describe('a rolling restart of every process', () => {
  it(`loses no deploy of ${deploys}, no DAG run and no log line`, async () => {
    const rest = operationsApi(balancer.url, cluster.ownerToken);
    // At most 1,000 lines per process's store, the page the count reads.
    const logging = logContinuously(2);
    const ids: string[] = [];
    for (let i = 0; i < deploys; i++) {
      const service = await imageService(db, secrets, registry, { projectId: project.id, serverId: hosts[i % 2]!.server.id });
      stack.serviceIds.push(service.id);
      ids.push(await rest.deploy(service.id, { timeout_seconds: 120 }));
    }
    const runIds: string[] = [];
    for (const host of hosts) {
      const service = await imageService(db, secrets, registry, { projectId: project.id, serverId: host.server.id });
      stack.serviceIds.push(service.id);
      const workflow = await rest.call('POST', `/projects/${project.id}/workflows`, {
        name: `rolling-${runIds.length}`,
        definition: { nodes: [{ id: 'ship', step: { type: 'deploy', service_id: service.id } }, { id: 'settle', step: { type: 'wait', seconds: 5 } }], edges: [{ from: 'ship', to: 'settle' }] },
      });
      expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
      const run = await rest.call('POST', `/workflows/${workflow.body.data.id}/runs`, {});
      expect(run.status, JSON.stringify(run.body)).toBe(201);
      runIds.push(run.body.data.id);
    }
    // One process at a time, as an upgrade does: stopped gracefully, started again, ready before the next.
    for (const process of [...cluster.apis, ...cluster.workers]) {
      await process.stop('SIGTERM');
      await cluster.start(process);
    }
    await logging.stop();
    const outcomes = await Promise.all(ids.map((id) => rest.until(id, ['running', 'failed', 'cancelled'], 240_000)));
    expect(outcomes.map((deployment) => [deployment.status, deployment.error_message])).toEqual(ids.map(() => ['running', null]));
    for (const runId of runIds) {
      let run: WorkflowRun | undefined;
      await expect
        .poll(async () => ['succeeded', 'failed', 'cancelled'].includes((run = (await rest.call('GET', `/workflow-runs/${runId}`)).body.data).status), { timeout: 120_000, interval: 500 })
        .toBe(true);
      expect(run!.status, JSON.stringify(run!.step_results)).toBe('succeeded');
    }
    expect(logging.accepted.length).toBeGreaterThan(0);
    await expect.poll(async () => (await storedMarkers()).length, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(logging.accepted.length);
    const stored = await storedMarkers();
    const accepted = new Set(logging.accepted);
    expect({
      storedTwice: stored.filter((marker, index) => stored.indexOf(marker) !== index),
      neverAccepted: stored.filter((marker) => !accepted.has(marker)),
      lost: logging.accepted.filter((marker) => !stored.includes(marker)),
    }).toEqual({ storedTwice: [], neverAccepted: [], lost: [] });

    // The histories, cut by workers stopping mid-run, replay on the current code.
    const { address, namespace } = testTemporal();
    const workflowIds = [...ids.map((id) => `deploy-${id}`), ...stack.serviceIds.map((id) => `service-${id}`), ...runIds.map((id) => `dag-run-${id}`)];
    const histories = await Promise.all(workflowIds.map(async (workflowId) => ({ workflowId, history: await historyOf(address, namespace, workflowId) })));
    expect(await replay(histories)).toEqual([]);
    if (process.env.RECORD_HISTORIES === '1') {
      await mkdir(recordedHistoriesDir, { recursive: true });
      for (const { workflowId, history } of histories) {
        await writeFile(path.join(recordedHistoriesDir, `${workflowId}.binpb`), temporal.api.history.v1.History.encode(history).finish());
      }
    }
  }, 600_000);
});
