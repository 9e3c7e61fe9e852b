import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../contracts/tokens.js';
import { toServerProtocolId } from '../../contracts/index.js';
import { sealDeployCommand } from '../../control/secrets/command-secrets.js';
import { commandByRequestId, enqueueAgentCommand, withdrawPendingCommand } from '../../db/queries/agent-commands.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createOrganization, createServer, deployPayload } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

describe('agent gateway (/agent/ws)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  let orgId: string;
  beforeAll(async () => {
    api = await startTestApi('gateway');
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    orgId = (await createOrganization(api.platform.db, 'gw')).org.id;
  });
  afterAll(async () => {
    await api?.close();
  });
  const db = () => api.platform.db;
  const serverRow = (id: string) => db().selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('refuses a wrong, malformed or non-agent token with 401 before any session exists', async () => {
    const { server } = await createServer(db(), orgId, 'denied');
    for (const token of [issueToken('agt').token, 'syn_agt_short', issueToken('usr').token]) {
      await expect(FakeAgent.connect(baseUrl, token, server.id)).rejects.toThrow('HTTP 401');
    }
    expect(api.app.agentGateway.session(server.id)).toBeUndefined();
  });

  it('answers agent_hello with hello_ack and records the machine', async () => {
    const { server, token } = await createServer(db(), orgId, 'web-1');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    const ack = await agent.hello();
    expect(ack.payload).toMatchObject({
      server_id: toServerProtocolId(server.id),
      accepted: true,
      server_name: 'web-1',
      org_id: orgId,
      protocol_version: '1.1',
      config: { heartbeat_interval_seconds: 30, telemetry_batch_interval_seconds: 5, telemetry_buffer_max_mb: 50, log_level: 'info' },
      pending_deployments: [],
    });
    const row = await serverRow(server.id);
    expect(row).toMatchObject({ status: 'online', hostname: 'fake-agent', os_name: 'debian', arch: 'x86_64', cpu_cores: 2, agent_version: '0.1.0', runtime_version: '20.10.24' });
    await agent.close();
    await expect.poll(async () => (await serverRow(server.id)).status).toBe('offline');
  });

  it('negotiates 1.0 with an agent that predates versioning, and refuses an incompatible one', async () => {
    const { server, token } = await createServer(db(), orgId, 'versions');
    const legacy = await FakeAgent.connect(baseUrl, token, server.id);
    expect((await legacy.hello({ protocol_version: undefined, min_supported: undefined })).payload.protocol_version).toBe('1.0');
    await legacy.close();

    const future = await FakeAgent.connect(baseUrl, token, server.id);
    const ack = await future.hello({ protocol_version: '2.1', min_supported: '2.0' });
    expect(ack.payload.accepted).toBe(false);
    expect(ack.payload.reason).toMatch(/2\.0/);
    await expect.poll(() => future.closeCode).toBe(4001);

    const tooNew = await FakeAgent.connect(baseUrl, token, server.id, '5.0.0');
    expect((await tooNew.hello()).payload.accepted).toBe(false);
  });

  it('records heartbeats with the services\' container states', async () => {
    const { server, token } = await createServer(db(), orgId, 'beats');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    await agent.hello();
    const before = (await serverRow(server.id)).last_heartbeat_at!;
    agent.heartbeat({ containers: { running: 2, stopped: 0, total: 2 } });
    await expect.poll(async () => (await serverRow(server.id)).last_heartbeat as any).toMatchObject({ containers: { running: 2 } });
    expect((await serverRow(server.id)).last_heartbeat_at!.getTime()).toBeGreaterThanOrEqual(before.getTime());
    await agent.close();
  });

  it('keeps one live session per server: a new connection replaces the old', async () => {
    const { server, token } = await createServer(db(), orgId, 'replace');
    const first = await FakeAgent.connect(baseUrl, token, server.id);
    await first.hello();
    const second = await FakeAgent.connect(baseUrl, token, server.id);
    await second.hello();
    await expect.poll(() => first.closeCode).toBe(4000);
    expect((await serverRow(server.id)).status).toBe('online');
    await second.close();
  });

  it('delivers an outbox command at once to a connected agent and matches its command_response', async () => {
    const { server, token } = await createServer(db(), orgId, 'outbox');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    await agent.hello();
    const payload = { request_id: 'restart-1', service_id: '9c4f7e2a-1b3d-4c5e-8f6a-7b8c9d0e1f2a', timeout_seconds: 10 };
    await enqueueAgentCommand(db(), { serverId: server.id, requestId: 'restart-1', type: 'restart', payload });
    // Enqueueing twice is a no-op: the request id is the idempotency key.
    await enqueueAgentCommand(db(), { serverId: server.id, requestId: 'restart-1', type: 'restart', payload });
    expect((await agent.next('restart')).payload).toEqual(payload);
    agent.send('command_response', { request_id: 'restart-1', success: true, data: { restarted: 1 } });
    await expect
      .poll(async () => (await db().selectFrom('agent_commands').selectAll().where('request_id', '=', 'restart-1').executeTakeFirstOrThrow()).status)
      .toBe('answered');
    expect(agent.received.filter((m) => m.type === 'restart')).toHaveLength(1);
    await agent.close();
  });

  it('delivers what was queued while the agent was offline when it comes back', async () => {
    const { server, token } = await createServer(db(), orgId, 'offline-queue');
    const deploy = deployPayload('deploy-queued', { envVars: { API_TOKEN: 'queued-secret' }, registryAuth: { username: 'ci', password: 'queued-password' } });
    await enqueueAgentCommand(db(), { serverId: server.id, requestId: 'deploy-queued', type: 'deploy', ...sealDeployCommand(api.platform.secrets, deploy) });
    const stop = { request_id: 'stop-queued', service_id: '9c4f7e2a-1b3d-4c5e-8f6a-7b8c9d0e1f2a', timeout_seconds: 5, remove_container: true };
    await enqueueAgentCommand(db(), { serverId: server.id, requestId: 'stop-queued', type: 'stop', payload: stop });
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    const ack = await agent.hello();
    expect(ack.payload.pending_deployments).toEqual([deploy]);
    expect((await agent.next('stop')).payload).toEqual(stop);
    expect(agent.received.filter((m) => m.type === 'deploy')).toHaveLength(0);
    await agent.close();
  });

  it('keeps a deploy\'s env and registry credentials sealed in the outbox, sends them whole, and drops them once answered', async () => {
    const { server, token } = await createServer(db(), orgId, 'sealed');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    await agent.hello();
    const deploy = deployPayload('deploy-sealed', { envVars: { API_TOKEN: 'env-secret-1', MODE: 'plain-1' }, registryAuth: { username: 'ci', password: 'registry-secret-1' } });
    await enqueueAgentCommand(db(), { serverId: server.id, requestId: 'deploy-sealed', type: 'deploy', ...sealDeployCommand(api.platform.secrets, deploy) });
    expect((await agent.next('deploy')).payload).toEqual(deploy);

    const waiting = (await commandByRequestId(db(), 'deploy-sealed'))!;
    const stored = JSON.stringify(waiting.payload);
    for (const value of ['env-secret-1', 'plain-1', 'registry-secret-1', 'API_TOKEN']) expect(stored).not.toContain(value);
    expect(waiting.sealed_secrets!.includes('env-secret-1')).toBe(false);
    agent.send('command_response', { request_id: 'deploy-sealed', success: true, data: {} });
    await expect.poll(async () => (await commandByRequestId(db(), 'deploy-sealed'))?.status).toBe('answered');
    expect((await commandByRequestId(db(), 'deploy-sealed'))!.sealed_secrets).toBeNull();
    await agent.close();
  });

  it('drops the sealed secrets of a withdrawn or expired deploy, and never sends one', async () => {
    const { server, token } = await createServer(db(), orgId, 'sealed-gone');
    const secrets = { envVars: { API_TOKEN: 'gone' }, registryAuth: null };
    const withdrawn = deployPayload('deploy-withdrawn', secrets);
    const expired = deployPayload('deploy-expired', secrets);
    await enqueueAgentCommand(db(), { serverId: server.id, requestId: 'deploy-withdrawn', type: 'deploy', ...sealDeployCommand(api.platform.secrets, withdrawn) });
    await enqueueAgentCommand(db(), {
      serverId: server.id,
      requestId: 'deploy-expired',
      type: 'deploy',
      ...sealDeployCommand(api.platform.secrets, expired),
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await withdrawPendingCommand(db(), 'deploy-withdrawn')).toBe(true);
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    expect((await agent.hello()).payload.pending_deployments).toEqual([]);
    for (const [requestId, status] of [['deploy-withdrawn', 'cancelled'], ['deploy-expired', 'expired']]) {
      expect(await commandByRequestId(db(), requestId!)).toMatchObject({ status, sealed_secrets: null });
    }
    await agent.close();
  });

  it('withdraws a deploy whose sealed secrets do not open, and still delivers what follows it', async () => {
    const { server, token } = await createServer(db(), orgId, 'sealed-moved');
    const secrets = { envVars: { API_TOKEN: 'moved' }, registryAuth: null };
    const moved = { ...sealDeployCommand(api.platform.secrets, deployPayload('deploy-moved', secrets)) };
    moved.sealedSecrets = sealDeployCommand(api.platform.secrets, deployPayload('deploy-elsewhere', secrets)).sealedSecrets;
    await enqueueAgentCommand(db(), { serverId: server.id, requestId: 'deploy-moved', type: 'deploy', ...moved });
    const following = deployPayload('deploy-following', secrets);
    await enqueueAgentCommand(db(), { serverId: server.id, requestId: 'deploy-following', type: 'deploy', ...sealDeployCommand(api.platform.secrets, following) });
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    expect((await agent.hello()).payload.pending_deployments).toEqual([following]);
    expect(await commandByRequestId(db(), 'deploy-moved')).toMatchObject({ status: 'cancelled', sealed_secrets: null });
    await agent.close();
  });

  it('rejects 1,000 malformed or hostile frames and the session keeps working', async () => {
    const { server, token } = await createServer(db(), orgId, 'hostile');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    await agent.hello();
    const session = api.app.agentGateway.session(server.id)!;
    const hostile: (() => void)[] = [
      () => agent.sendRaw('{not json'),
      () => agent.sendRaw('null'),
      () => agent.sendRaw(Buffer.from([0, 1, 2, 3])),
      () => agent.send('heartbeat', { agent_id: 42 }),
      () => agent.send('no_such_type', {}),
      () => agent.send('deploy', { request_id: 'x' }),
      () => agent.send('agent_hello', {}),
      () => agent.sendRaw(JSON.stringify({ id: 'not-a-uuid', type: 'heartbeat', timestamp: 'yesterday', payload: {} })),
      () => agent.send('telemetry_batch', { batch_id: 'b-1', agent_id: 'agt_x', compression: 'zstd', data: { errors: [] } }),
      () => agent.sendRaw(JSON.stringify({ type: 'alert', payload: { __proto__: { polluted: true } } })),
    ];
    for (let i = 0; i < 998; i++) hostile[i % hostile.length]!();
    agent.sendRaw('x'.repeat(9 * 1024 * 1024));
    agent.sendRaw(JSON.stringify({ padding: 'y'.repeat(9 * 1024 * 1024) }));
    await expect.poll(() => session.rejected.count, { timeout: 30_000 }).toBe(1000);
    expect(({} as any).polluted).toBeUndefined();
    expect(agent.closeCode).toBeNull();
    // A 1.1 agent is told its unparseable batch will never be stored, so it can drop it.
    expect((await agent.next('telemetry_ack')).payload).toMatchObject({ batch_id: 'b-1', accepted: false, error: { code: 'VALIDATION_ERROR' } });

    agent.heartbeat({ containers: { running: 7, stopped: 0, total: 7 } });
    await expect.poll(async () => (await serverRow(server.id)).last_heartbeat as any).toMatchObject({ containers: { running: 7 } });
    agent.send('ping', { nonce: 'still-here', sent_at: new Date().toISOString() });
    expect((await agent.next('pong')).payload.nonce).toBe('still-here');
    await agent.close();
  }, 60_000);
});
