import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missedPongsAllowed } from '../../contracts/websocket/liveness-probe.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createOrganization, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

const pingSeconds = 1;

/** Answers every ping the control plane sends, as the real agent does once its hello is accepted. */
function answerPings(agent: FakeAgent): void {
  agent.socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type: string; payload: { nonce: string } };
    if (message.type === 'ping') agent.send('pong', { nonce: message.payload.nonce, sent_at: new Date().toISOString() });
  });
}

describe('the gateway pings agents', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  let orgId: string;
  beforeAll(async () => {
    api = await startTestApi('liveness', { SYNTRA_AGENT_PING_SECONDS: String(pingSeconds) });
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    orgId = (await createOrganization(api.platform.db, 'liveness')).org.id;
  });
  afterAll(async () => {
    await api?.close();
  });
  const status = async (serverId: string) =>
    (await api.platform.db.selectFrom('servers').select('status').where('id', '=', serverId).executeTakeFirstOrThrow()).status;

  it('sends contract pings with a nonce once the hello is accepted', async () => {
    const { server, token } = await createServer(api.platform.db, orgId, 'pinged');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    await agent.hello();
    const ping = await agent.next('ping', 5_000);
    expect(ping.payload).toEqual({ nonce: expect.any(String), sent_at: expect.any(String) });
    await agent.close();
  });

  it('closes a connection that misses two pongs, and the server goes offline at once', async () => {
    const { server, token } = await createServer(api.platform.db, orgId, 'silent');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    await agent.hello();
    expect(await status(server.id)).toBe('online');
    const connectedAt = Date.now();
    await expect.poll(() => agent.closeCode, { timeout: 15_000, interval: 100 }).not.toBeNull();
    const closedAfterMs = Date.now() - connectedAt;
    // The pings it ignored, then the tick that found them all unanswered.
    expect(agent.received.filter((message) => message.type === 'ping')).toHaveLength(missedPongsAllowed);
    expect(closedAfterMs).toBeGreaterThanOrEqual(missedPongsAllowed * pingSeconds * 1000);
    // Terminated, not closed politely: a half-open peer would never finish a close handshake.
    expect(agent.closeCode).toBe(1006);
    await expect.poll(() => status(server.id), { timeout: 5_000 }).toBe('offline');
    expect(api.app.agentGateway.session(server.id)).toBeUndefined();
  });

  it('keeps a connection that answers its pings', async () => {
    const { server, token } = await createServer(api.platform.db, orgId, 'answering');
    const agent = await FakeAgent.connect(baseUrl, token, server.id);
    answerPings(agent);
    await agent.hello();
    const pingsWellPastTheLimit = missedPongsAllowed + 3;
    await expect.poll(() => agent.received.filter((message) => message.type === 'ping').length, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(pingsWellPastTheLimit);
    expect(agent.closeCode).toBeNull();
    expect(await status(server.id)).toBe('online');
    expect(api.app.agentGateway.session(server.id)?.isOpen).toBe(true);
    await agent.close();
  });
});
