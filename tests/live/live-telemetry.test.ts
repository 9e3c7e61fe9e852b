import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compress } from 'zstd-napi';
import {
  LIVE_PATH,
  liveEvents,
  toAgentProtocolId,
  type LiveAck,
  type LiveIssue,
  type LiveLogLines,
  type TelemetryData,
} from '../../contracts/index.js';
import { errorEvent, logEntry } from '../contracts/examples.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/*
 * New log lines and new issues reach the browser as they are stored: an agent's telemetry batch
 * goes through the real gateway and ingest, and a socket in the service's tail room and the
 * project's issue room receives them.
 */
describe('live telemetry (socket.io)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  let agent: FakeAgent;
  let serverId: string;
  let projectId: string;
  let serviceId: string;
  let socket: Socket;

  beforeAll(async () => {
    api = await startTestApi('live-telemetry');
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const { server, token } = await createServer(db, orgId, 'live-telemetry');
    serverId = server.id;
    projectId = (await createProject(db, orgId, 'live-telemetry')).id;
    serviceId = (
      await db.insertInto('services').values({ project_id: projectId, server_id: serverId, name: 'shop', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    agent = await FakeAgent.connect(baseUrl, token, serverId);
    await agent.hello();
    socket = connect(baseUrl, { path: LIVE_PATH, transports: ['websocket'], reconnection: false, auth: { token: api.ownerToken } });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.disconnect();
    await agent?.close();
    await api?.close();
  });

  const empty: TelemetryData = { errors: [], traces: [], logs: [], metrics: [], health_checks: [] };
  async function sendBatch(data: Partial<TelemetryData>) {
    const batchId = randomUUID();
    agent.send('telemetry_batch', {
      batch_id: batchId,
      agent_id: toAgentProtocolId(serverId),
      compression: 'zstd',
      data: compress(Buffer.from(JSON.stringify({ ...empty, ...data }))).toString('base64'),
    });
    for (;;) {
      const ack = await agent.next('telemetry_ack');
      if (ack.payload.batch_id === batchId) return ack.payload;
    }
  }
  const subscribe = (kind: string, id: string) => socket.timeout(10_000).emitWithAck(liveEvents.subscribe, { room: { kind, id } }) as Promise<LiveAck>;
  const line = (message: string, at: Date) => ({ ...logEntry, service_id: serviceId, deployment_id: randomUUID(), message, timestamp: at.toISOString() });

  it("tails a service's logs: only lines stored after subscribing, in order", async () => {
    expect((await sendBatch({ logs: [line('before the tail', new Date(Date.now() - 1_000))] })).accepted).toBe(true);
    const received: LiveLogLines[] = [];
    socket.on(liveEvents.logLines, (message: LiveLogLines) => received.push(message));
    expect(await subscribe('service_logs', serviceId)).toEqual({ ok: true });

    const now = Date.now();
    expect((await sendBatch({ logs: [line('first', new Date(now)), line('second', new Date(now + 1))] })).accepted).toBe(true);
    expect((await sendBatch({ logs: [line('third', new Date(now + 2))] })).accepted).toBe(true);
    await expect.poll(() => received.flatMap((message) => message.lines.map((entry) => entry.message)), { timeout: 10_000 }).toEqual(['first', 'second', 'third']);
    expect(received.every((message) => message.service_id === serviceId)).toBe(true);
  });

  it("announces a project's new issue, and each change of its status, to the project's room", async () => {
    const received: LiveIssue[] = [];
    socket.on(liveEvents.issue, (message: LiveIssue) => received.push(message));
    expect(await subscribe('project_issues', projectId)).toEqual({ ok: true });

    const event = { ...errorEvent, id: randomUUID(), service_id: serviceId, deployment_id: randomUUID(), timestamp: new Date().toISOString() };
    expect((await sendBatch({ errors: [event] })).accepted).toBe(true);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    expect(received[0]).toMatchObject({ project_id: projectId, issue: { service_id: serviceId, exception_type: 'TypeError', status: 'unresolved' } });

    const issueId = received[0]!.issue.id;
    await api.platform.db.updateTable('error_groups').set({ status: 'resolved' }).where('id', '=', issueId).execute();
    await expect.poll(() => received.at(-1)?.issue.status, { timeout: 10_000 }).toBe('resolved');
  });

  it("refuses another organization's rooms like any other", async () => {
    expect(await subscribe('project_issues', randomUUID())).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await subscribe('service_logs', randomUUID())).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
