import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgent, type RunningAgent } from '../../agent/main.js';
import type { Server } from '../../contracts/index.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { ensureDockerd } from '../support/docker.js';
import { createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/*
 * A real agent on the real Docker Engine, told to look for its containers' address on a bridge
 * that does not exist: the server's page must say so until an agent that found one connects.
 */
describe("a server's standing problems", () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  let dataDir: string;
  let agent: RunningAgent | undefined;

  beforeAll(async () => {
    await ensureDockerd();
    api = await startTestApi('server-problems');
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-server-problems-'));
  });
  afterAll(async () => {
    await agent?.stop();
    await api?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('shows that containers cannot reach the telemetry receiver, and clears it once an agent can', async () => {
    const org = await bootstrappedOrganization(api.platform.db);
    const { server, token } = await createServer(api.platform.db, org.id, 'unreachable');
    const read = async () => {
      const answer = await api.app.inject({ method: 'GET', url: `/api/v1/servers/${server.id}`, headers: bearer(api.ownerToken) });
      return (answer.json() as { data: Server }).data;
    };
    const start = (network: string) =>
      runAgent({ url: baseUrl, token, serverId: server.id, telemetry: { dataDir, network, port: 0 }, log: pino({ level: 'silent' }) });

    agent = await start('syntra-test-no-such-network');
    await expect.poll(async () => (await read()).problems, { timeout: 30_000, interval: 250 }).toEqual([
      expect.objectContaining({ resource: 'telemetry_receiver', severity: 'critical', title: "Containers cannot reach the agent's telemetry receiver" }),
    ]);
    expect((await read()).problems[0]!.message).toContain('SYNTRA_AGENT_TELEMETRY_HOST');
    await agent.stop();

    agent = await start('bridge');
    await expect.poll(async () => (await read()).status, { timeout: 30_000, interval: 250 }).toBe('online');
    await expect.poll(async () => (await read()).problems, { timeout: 10_000, interval: 250 }).toEqual([]);
  });
});
