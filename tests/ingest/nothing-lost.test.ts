import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentryDsn } from '../../agent/telemetry/dsn.js';
import { buildApi } from '../../api/app.js';
import { hashToken } from '../../contracts/tokens.js';
import { sealDeployCommand } from '../../control/secrets/command-secrets.js';
import { commandByRequestId, enqueueAgentCommand } from '../../db/queries/agent-commands.js';
import { freePort, waitForPort } from '../../engines/ports.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { ensureDockerd, removeManaged, startTestRegistry, type TestRegistry } from '../support/docker.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

const run = promisify(execFile);
const checkoutApp = fileURLToPath(new URL('./fixtures/checkout-app.mjs', import.meta.url));

/* Past the agent's 60 s wait for an ack: the resend after an unanswered batch is part of the test. */
const OUTAGE_MS = 65_000;

/*
 * Nothing the agent answered 2xx for is lost: the agent runs as its own process (as on a server)
 * and is killed with SIGKILL between accepting telemetry and sending it; the control plane is
 * away for over a minute while the app keeps sending. Every error (from the stock Sentry SDK, for
 * a service the agent really deployed), span and log line is stored once.
 */
describe('nothing lost between an app and the stores', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let port: number;
  let token: string;
  let serviceId: string;
  let agentDir: string;
  let receiverPort: number;
  let agent: ChildProcess | undefined;
  let docker: Docker;
  let registry: TestRegistry;
  let agentTokenHash: string;
  let serverId: string;
  let projectSlug: string;
  const deploymentId = randomUUID();

  beforeAll(async () => {
    docker = await ensureDockerd();
    registry = await startTestRegistry();
    api = await startTestApi('nothing-lost');
    port = Number(new URL(await api.app.listen({ port: 0, host: '127.0.0.1' })).port);
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const server = await createServer(db, orgId, 'nothing-lost');
    token = server.token;
    serverId = server.server.id;
    agentTokenHash = hashToken(token);
    const project = await createProject(db, orgId, 'nothing-lost');
    projectSlug = project.slug;
    serviceId = (
      await db.insertInto('services').values({ project_id: project.id, server_id: server.server.id, name: 'shop', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    agentDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-nothing-lost-'));
    receiverPort = await freePort();
  });

  afterAll(async () => {
    agent?.kill('SIGKILL');
    if (docker && serviceId) await removeManaged(docker, { serviceIds: [serviceId], projectName: projectSlug });
    await registry?.cleanup();
    await api?.close();
    if (agentDir) await rm(agentDir, { recursive: true, force: true });
  });

  async function startAgent(): Promise<void> {
    agent = spawn(process.execPath, ['bin/syntra.js', 'agent'], {
      env: {
        ...process.env,
        SYNTRA_AGENT_URL: `http://127.0.0.1:${port}`,
        SYNTRA_AGENT_TOKEN: token,
        SYNTRA_AGENT_DATA_DIR: agentDir,
        SYNTRA_AGENT_TELEMETRY_HOST: '127.0.0.1',
        SYNTRA_AGENT_TELEMETRY_PORT: String(receiverPort),
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    await waitForPort(receiverPort, 60_000);
  }

  const resource = () => ({
    attributes: [
      { key: 'syntra.service_id', value: { stringValue: serviceId } },
      { key: 'syntra.deployment_id', value: { stringValue: deploymentId } },
    ],
  });
  const otlp = async (signal: 'logs' | 'traces', body: unknown) => {
    const response = await fetch(`http://127.0.0.1:${receiverPort}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
  };
  /** One request: a log line and a span named `marker`. */
  async function report(marker: string): Promise<void> {
    const now = BigInt(Date.now()) * 1_000_000n;
    await otlp('logs', { resourceLogs: [{ resource: resource(), scopeLogs: [{ logRecords: [{ severityNumber: 9, timeUnixNano: String(now), body: { stringValue: marker } }] }] }] });
    await otlp('traces', {
      resourceSpans: [
        {
          resource: resource(),
          scopeSpans: [{ spans: [{ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), name: marker, kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) }] }],
        },
      ],
    });
  }

  /*
   * What the app reported over OTLP, by marker. The deployed container's own output is collected
   * too (source stdout/stderr), and whether it is depends on timing: a container's lines printed
   * before the killed agent first scanned for it are not read by the next one.
   */
  const copies = async (table: 'logs' | 'traces') => {
    const [column, reported] = table === 'logs' ? ['message', "AND source = 'sdk'"] : ['operation_name', ''];
    const result = await api.platform.clickhouse.client.query({
      query: `SELECT ${column} AS marker, count() AS copies FROM ${table} WHERE service_id = {serviceId:UUID} ${reported} GROUP BY marker ORDER BY marker`,
      query_params: { serviceId },
      format: 'JSONEachRow',
    });
    return (await result.json<{ marker: string; copies: string | number }>()).map((row) => `${row.marker}×${row.copies}`);
  };
  /** Error events stored per id: each of the SDK's events exactly once. */
  const errorCopies = async () => {
    const rows = await api.platform.db.selectFrom('error_events').select((eb) => ['id', eb.fn.countAll<string>().as('copies')]).groupBy('id').execute();
    return { events: rows.length, duplicated: rows.filter((row) => Number(row.copies) > 1).length };
  };
  /** The stock Sentry SDK reports one error per order, and one TypeError, to the agent process's receiver. */
  const sendErrors = (orders: string[]) =>
    run(process.execPath, [checkoutApp], {
      env: { ...process.env, SENTRY_DSN: sentryDsn(agentTokenHash, serviceId, new URL(`http://127.0.0.1:${receiverPort}`)), ORDERS: orders.join(','), USERS: 'ada' },
      timeout: 30_000,
    });

  const once = (markers: string[]) => [...markers].sort().map((marker) => `${marker}×1`);
  const markers = (label: string, count: number) => Array.from({ length: count }, (_, index) => `${label}-${String(index).padStart(2, '0')}`);

  it('keeps what the agent accepted through a kill -9 before it was sent', async () => {
    await startAgent();
    // The service runs on the agent, as deployed: Sentry keys are accepted for its services only.
    const pushed = registry.images.httpV1;
    await enqueueAgentCommand(api.platform.db, {
      serverId,
      requestId: `deploy-${deploymentId}`,
      type: 'deploy',
      ...sealDeployCommand(api.platform.secrets, {
        request_id: `deploy-${deploymentId}`,
        deployment_id: deploymentId,
        service_id: serviceId,
        service_name: 'shop',
        project_name: projectSlug,
        image: { registry: registry.registry, repository: pushed.repository, tag: pushed.tag },
        registry_auth: { username: registry.username, password: registry.password },
        config: { port: 8080, replicas: 1, env_vars: {}, labels: {} },
        networking: { domains: [], internal_hostname: 'shop.internal', expose_port: false },
        strategy: 'instant',
        rollback_on_failure: false,
        timeout_seconds: 60,
      }),
    });
    await expect.poll(async () => (await commandByRequestId(api.platform.db, `deploy-${deploymentId}`))?.response, { timeout: 60_000, interval: 250 }).toMatchObject({ success: true });

    const accepted = markers('killed', 10);
    for (const marker of accepted) await report(marker);
    await sendErrors(['101', '102', '103']);
    // Answered 2xx and spooled; within the 5 s batch interval, so most of it is not sent yet (what
    // was sent, unacknowledged, is sent again: either way each record must be stored once).
    agent!.kill('SIGKILL');
    await new Promise((resolve) => agent!.once('exit', resolve));

    await startAgent();
    await expect.poll(() => copies('logs'), { timeout: 45_000, interval: 500 }).toEqual(once(accepted));
    await expect.poll(() => copies('traces'), { timeout: 15_000, interval: 500 }).toEqual(once(accepted));
    await expect.poll(errorCopies, { timeout: 15_000, interval: 500 }).toEqual({ events: 4, duplicated: 0 });
  }, 180_000);

  it('keeps what arrives while the control plane is away for over a minute, and stores it once', async () => {
    const before = markers('before', 5);
    for (const marker of before) await report(marker);
    await expect.poll(() => copies('logs'), { timeout: 45_000, interval: 500 }).toEqual(once([...markers('killed', 10), ...before]));

    await api.app.close();
    const during = markers('during', 10);
    for (const marker of during) {
      await report(marker);
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / during.length));
    }
    await sendErrors(['201', '202']);
    api.app = await buildApi(api.platform, pino({ level: 'warn' }));
    await api.app.listen({ port, host: '127.0.0.1' });

    const all = [...markers('killed', 10), ...before, ...during];
    await expect.poll(() => copies('logs'), { timeout: 90_000, interval: 1_000 }).toEqual(once(all));
    await expect.poll(() => copies('traces'), { timeout: 30_000, interval: 1_000 }).toEqual(once(all));
    await expect.poll(errorCopies, { timeout: 30_000, interval: 1_000 }).toEqual({ events: 7, duplicated: 0 });
  }, 240_000);
});
