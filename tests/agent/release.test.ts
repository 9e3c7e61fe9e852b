import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentBundle } from '../../agent/release/bundle.js';
import { AGENT_NODE_FLAGS } from '../../agent/release/node-flags.js';
import { AGENT_VERSION } from '../../agent/version.js';
import { enqueueAgentCommand } from '../../db/queries/agent-commands.js';
import { freePort } from '../../engines/ports.js';
import { bearer } from '../support/auth.js';
import { ensureDockerd } from '../support/docker.js';
import { startTestApi } from '../support/platform.js';

/*
 * The agent as users run it: the install command from POST /servers, the release bundle in a
 * folder of its own (no node_modules beside it), a real process that is killed and updated.
 */
describe('the installed agent process', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  let installDir: string;
  let serverId: string;
  let token: string;
  const owner = () => bearer(api.ownerToken);

  beforeAll(async () => {
    await ensureDockerd();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = await startTestApi('agent-release', { SYNTRA_PUBLIC_URL: baseUrl });
    await api.app.listen({ port, host: '127.0.0.1' });
    installDir = await mkdtemp(path.join(tmpdir(), 'syntra-agent-install-'));
  });

  afterAll(async () => {
    for (const pid of await agentPids()) process.kill(pid, 'SIGKILL');
    await api?.close();
    if (installDir) await rm(installDir, { recursive: true, force: true });
  });

  /** Every process running a bundle from this test's install folder, found the way `ps` would. */
  async function agentPids(): Promise<number[]> {
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(installDir) && (await readlink(`/proc/${entry}/exe`).catch(() => '')).endsWith('node')) pids.push(Number(entry));
    }
    return pids;
  }

  const server = async () => (await api.app.inject({ method: 'GET', url: `/api/v1/servers/${serverId}`, headers: owner() })).json().data;
  const command = (requestId: string) =>
    api.platform.db.selectFrom('agent_commands').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
  const bundlePath = () => path.join(installDir, 'syntra-agent.mjs');
  const startInstalledAgent = () =>
    spawn(process.execPath, [bundlePath()], {
      env: { PATH: process.env.PATH, SYNTRA_AGENT_URL: baseUrl, SYNTRA_AGENT_TOKEN: token, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
      detached: true,
    }).unref();

  it('the install command downloads the checked bundle and starts the agent, which comes online', async () => {
    const created = await api.app.inject({ method: 'POST', url: '/api/v1/servers', headers: owner(), payload: { name: 'installed' } });
    expect(created.statusCode).toBe(201);
    ({ server_id: serverId, token } = created.json().data);
    const installCommand: string = created.json().data.install_command;
    expect(installCommand).toBe(`curl -fsSL ${baseUrl}/agent/install.sh | sh -s -- --url ${baseUrl} --token ${token}`);

    spawn('sh', ['-c', installCommand], {
      env: { PATH: process.env.PATH, SYNTRA_AGENT_DIR: installDir, SYNTRA_AGENT_FOREGROUND: '1', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    await expect.poll(async () => (await server()).status, { timeout: 30_000, interval: 250 }).toBe('online');
    expect((await server()).agent_version).toBe(AGENT_VERSION);

    const served = await fetch(`${baseUrl}/agent/syntra-agent.mjs`);
    const installed = await readFile(bundlePath());
    expect(createHash('sha256').update(installed).digest('hex')).toBe(served.headers.get('etag')!.replaceAll('"', ''));
    // The token reaches the agent through its environment, never its command line.
    for (const pid of await agentPids()) expect(await readFile(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(token);
    // …and it runs with the agent's V8 flags.
    for (const pid of await agentPids()) expect((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')).toEqual(expect.arrayContaining([...AGENT_NODE_FLAGS]));
  }, 60_000);

  it('after kill -9 it comes back online when started again, and gets what was queued meanwhile', async () => {
    for (const pid of await agentPids()) process.kill(pid, 'SIGKILL');
    await expect.poll(async () => (await server()).status, { timeout: 15_000, interval: 250 }).toBe('offline');

    const requestId = `queued-while-away-${Date.now()}`;
    await enqueueAgentCommand(api.platform.db, {
      serverId,
      requestId,
      type: 'exec',
      payload: { request_id: requestId, service_id: '0b5c4a8e-7f1d-4e2a-9c3b-6d5e4f3a2b1c', command: ['true'], timeout_seconds: 5, interactive: false },
    });
    expect((await command(requestId)).sent_at).toBeNull();

    startInstalledAgent();
    await expect.poll(async () => (await server()).status, { timeout: 20_000, interval: 250 }).toBe('online');
    await expect.poll(async () => (await command(requestId)).status, { timeout: 15_000, interval: 250 }).toBe('answered');
    expect((await command(requestId)).response).toMatchObject({ success: false, error: { code: 'CONTAINER_NOT_FOUND' } });
  }, 60_000);

  it('update_agent swaps in the control plane release after checking it, and restarts into it', async () => {
    // An older release in place of the installed one, as after the control plane was upgraded.
    for (const pid of await agentPids()) process.kill(pid, 'SIGKILL');
    const older = await buildAgentBundle(bundlePath(), `${AGENT_VERSION}-rc.1`);
    startInstalledAgent();
    await expect.poll(async () => (await server()).agent_version, { timeout: 20_000, interval: 250 }).toBe(older.version);
    await expect.poll(async () => (await server()).status, { timeout: 20_000, interval: 250 }).toBe('online');
    const [oldPid] = await agentPids();

    const update = await api.app.inject({ method: 'POST', url: `/api/v1/servers/${serverId}/agent/update`, headers: owner() });
    expect(update.statusCode).toBe(202);
    const queued = update.json().data;
    expect(queued).toMatchObject({ version: AGENT_VERSION, download_url: `${baseUrl}/agent/syntra-agent.mjs` });

    await expect.poll(async () => (await command(queued.request_id)).status, { timeout: 30_000, interval: 250 }).toBe('answered');
    expect((await command(queued.request_id)).response).toMatchObject({ success: true, data: { version: AGENT_VERSION, previous_version: older.version } });
    await expect.poll(async () => (await server()).agent_version, { timeout: 30_000, interval: 250 }).toBe(AGENT_VERSION);
    await expect.poll(async () => (await server()).status, { timeout: 20_000, interval: 250 }).toBe('online');

    expect(createHash('sha256').update(await readFile(bundlePath())).digest('hex')).toBe(queued.sha256);
    expect(createHash('sha256').update(await readFile(`${bundlePath()}.previous`)).digest('hex')).toBe(older.sha256);
    const pids = await agentPids();
    expect(pids).toHaveLength(1);
    expect(pids).not.toContain(oldPid);
  }, 90_000);

  it('refuses a download whose checksum differs, or a release below the minimum, and keeps running', async () => {
    const before = await stat(bundlePath());
    const attempts = [
      { id: `bad-checksum-${Date.now()}`, version: AGENT_VERSION, sha256: '0'.repeat(64), code: 'CHECKSUM_MISMATCH' },
      { id: `too-old-${Date.now()}`, version: '0.0.9', sha256: 'f'.repeat(64), code: 'VERSION_NOT_SUPPORTED' },
    ];
    for (const attempt of attempts) {
      await enqueueAgentCommand(api.platform.db, {
        serverId,
        requestId: attempt.id,
        type: 'update_agent',
        payload: { request_id: attempt.id, version: attempt.version, download_url: `${baseUrl}/agent/syntra-agent.mjs`, sha256: attempt.sha256 },
      });
      await expect.poll(async () => (await command(attempt.id)).status, { timeout: 20_000, interval: 250 }).toBe('answered');
      expect((await command(attempt.id)).response).toMatchObject({ success: false, error: { code: attempt.code } });
    }
    expect((await stat(bundlePath())).mtimeMs).toBe(before.mtimeMs);
    expect(await server()).toMatchObject({ status: 'online', agent_version: AGENT_VERSION });
    expect(await agentPids()).toHaveLength(1);
  }, 60_000);
});
