import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import { AgentConnection } from '../../agent/connection.js';
import { connectDocker } from '../../agent/runtime/docker.js';
import { ServiceRegistry } from '../../agent/runtime/service-registry.js';
import { enqueueAgentCommand } from '../../db/queries/agent-commands.js';
import { createOrganization, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/**
 * The real agent connection (machine facts, Docker, dispatcher) against the real gateway. The
 * agent is given an empty service registry, so it never adopts containers other test files run.
 */
describe('a real agent and the gateway', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let port: number;
  let agent: AgentConnection;
  let serverId: string;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi('agent-session');
    port = new URL(await api.app.listen({ port: 0, host: '127.0.0.1' })).port as unknown as number;
    const { org } = await createOrganization(api.platform.db, 'agent-session');
    ({ server: { id: serverId }, token } = await createServer(api.platform.db, org.id, 'real-agent'));
  });
  afterAll(async () => {
    await agent?.stop();
    await api?.close();
  });

  const status = async () =>
    (await api.platform.db.selectFrom('servers').select(['status', 'os_name', 'runtime_version', 'cpu_cores']).where('id', '=', serverId).executeTakeFirstOrThrow());
  const command = (requestId: string) =>
    api.platform.db.selectFrom('agent_commands').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
  const startAgent = () => {
    const docker = connectDocker();
    const connection = new AgentConnection({
      url: `http://127.0.0.1:${port}`,
      token,
      context: { docker, services: new ServiceRegistry(docker), log: pino({ level: 'warn' }) },
      reconnectInitialDelayMs: 200,
      reconnectMaxDelayMs: 1_000,
    });
    connection.start();
    return connection;
  };
  const stopCommand = (requestId: string) => ({
    serverId,
    requestId,
    type: 'stop',
    payload: { request_id: requestId, service_id: '0b5c4a8e-7f1d-4e2a-9c3b-6d5e4f3a2b1c', timeout_seconds: 1, remove_container: false },
  });

  it('comes online with its machine\'s real facts and answers an outbox command', async () => {
    agent = startAgent();
    await expect.poll(async () => (await status()).status, { timeout: 20_000 }).toBe('online');
    const row = await status();
    expect(row.cpu_cores).toBeGreaterThan(0);
    expect(row.runtime_version).toMatch(/^\d+\.\d+/);
    await enqueueAgentCommand(api.platform.db, stopCommand('e2e-stop-1'));
    await expect.poll(async () => (await command('e2e-stop-1')).status, { timeout: 20_000 }).toBe('answered');
    expect((await command('e2e-stop-1')).response).toMatchObject({ success: false, error: { code: 'CONTAINER_NOT_FOUND' } });
  });

  it('gets a command queued while it was away when it comes back', async () => {
    await agent.stop();
    await expect.poll(async () => (await status()).status, { timeout: 10_000 }).toBe('offline');
    await enqueueAgentCommand(api.platform.db, stopCommand('e2e-stop-queued'));
    agent = startAgent();
    await expect.poll(async () => (await command('e2e-stop-queued')).status, { timeout: 20_000 }).toBe('answered');
    expect((await status()).status).toBe('online');
  });

  it('reconnects by itself when the control plane restarts', async () => {
    await api.app.close();
    await expect.poll(async () => (await status()).status, { timeout: 10_000 }).toBe('offline');
    api.app = await buildApi(api.platform, pino({ level: 'warn' }));
    await api.app.listen({ port: Number(port), host: '127.0.0.1' });
    await expect.poll(async () => (await status()).status, { timeout: 30_000 }).toBe('online');
    await enqueueAgentCommand(api.platform.db, stopCommand('e2e-stop-after-restart'));
    await expect.poll(async () => (await command('e2e-stop-after-restart')).status, { timeout: 20_000 }).toBe('answered');
  });
});
