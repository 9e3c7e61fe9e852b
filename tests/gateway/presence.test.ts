import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAgent } from '../support/fake-agent.js';
import { createOrganization, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

describe('server presence', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  beforeAll(async () => {
    api = await startTestApi('presence', { SYNTRA_AGENT_HEARTBEAT_SECONDS: '1' });
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('hands agents the configured heartbeat interval and marks a server offline after three missed ones', async () => {
    const db = api.platform.db;
    const { org } = await createOrganization(db, 'presence');
    const { server, token } = await createServer(db, org.id, 'quiet');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    expect((await agent.hello()).payload.config.heartbeat_interval_seconds).toBe(1);
    const status = async () => (await db.selectFrom('servers').select('status').where('id', '=', server.id).executeTakeFirstOrThrow()).status;
    expect(await status()).toBe('online');
    // The socket stays open but the agent falls silent, as a hung agent would.
    await expect.poll(status, { timeout: 10_000, interval: 250 }).toBe('offline');
    agent.heartbeat();
    await expect.poll(status, { timeout: 5_000 }).toBe('online');
    await agent.close();
  });
});
