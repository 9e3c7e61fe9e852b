import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../../engines/ports.js';
import { bootstrappedOrganization } from '../../support/auth.js';
import { createServer } from '../../support/fixtures.js';
import { startTestApi } from '../../support/platform.js';
import { httpsGet, startEdge } from './edge-support.js';

/*
 * The control plane over HTTPS behind the agent's own Caddy (docs/domains.md): its name routes to
 * the real API, REST answers over HTTPS, and a real `syntra agent` process on "another server"
 * connects over wss:// through Caddy's TLS, trusting Caddy's internal CA through
 * NODE_EXTRA_CA_CERTS; without that root it is refused and its server stays offline. The name is
 * `localhost` because it resolves on every machine; a real setup names the control plane's domain.
 */
const controlPlaneDomain = 'localhost';

let api: Awaited<ReturnType<typeof startTestApi>>;
let edge: Awaited<ReturnType<typeof startEdge>>;
let ca: string;
let caFile: string;
let agentDir: string;
let agent: ChildProcess | undefined;

beforeAll(async () => {
  api = await startTestApi('control-plane-https', { SYNTRA_PUBLIC_URL: 'https://localhost' });
  const apiUrl = new URL(await api.app.listen({ port: 0, host: '127.0.0.1' }));
  edge = await startEdge({ type: 'internal' }, undefined, { domain: controlPlaneDomain, upstream: apiUrl.host });
  agentDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-wss-agent-'));
  // Caddy's root exists once its first certificate is issued: the edge's own warm-up of the control plane's name.
  ca = await vi.waitFor(() => edge.internalRoot(), { timeout: 30_000, interval: 200 });
  caFile = path.join(agentDir, 'caddy-root.crt');
  await writeFile(caFile, ca);
});

afterAll(async () => {
  agent?.kill('SIGKILL');
  await edge?.cleanup();
  await api?.close();
  if (agentDir) await rm(agentDir, { recursive: true, force: true });
});

afterEach(() => {
  agent?.kill('SIGTERM');
  agent = undefined;
});

async function registerServer(name: string) {
  const orgId = (await bootstrappedOrganization(api.platform.db)).id;
  return createServer(api.platform.db, orgId, name);
}

async function startAgent(token: string, trusted: boolean): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SYNTRA_AGENT_URL: `wss://${controlPlaneDomain}:${edge.router.httpsPort}`,
    SYNTRA_AGENT_TOKEN: token,
    SYNTRA_AGENT_DATA_DIR: path.join(agentDir, token.slice(-8)),
    SYNTRA_AGENT_TELEMETRY_HOST: '127.0.0.1',
    SYNTRA_AGENT_TELEMETRY_PORT: String(await freePort()),
    LOG_LEVEL: 'error',
  };
  if (trusted) env.NODE_EXTRA_CA_CERTS = caFile;
  else delete env.NODE_EXTRA_CA_CERTS;
  agent = spawn(process.execPath, ['bin/syntra.js', 'agent'], { env, stdio: 'ignore' });
}

const statusOf = async (serverId: string) =>
  (await api.platform.db.selectFrom('servers').select('status').where('id', '=', serverId).executeTakeFirstOrThrow()).status;

describe('the control plane over HTTPS behind the same Caddy', () => {
  it("answers the REST API over HTTPS at its name, with HSTS, under Caddy's certificate", async () => {
    const answer = await httpsGet(controlPlaneDomain, edge.router.httpsPort, '/api/v1/health', ca);
    expect(answer.status).toBe(200);
    expect(answer.certificate.issuer).toMatch(/Caddy Local Authority/);
    expect(answer.headers['strict-transport-security']).toBeDefined();
  });

  it('takes an agent connecting over wss:// through Caddy, trusting its root through NODE_EXTRA_CA_CERTS', async () => {
    const { server, token } = await registerServer('behind-tls');
    await startAgent(token, true);
    await expect.poll(() => statusOf(server.id), { timeout: 60_000, interval: 500 }).toBe('online');
  });

  it('leaves an agent that does not trust the certificate unconnected', async () => {
    const { server, token } = await registerServer('untrusted');
    await startAgent(token, false);
    // Long enough for a few connection attempts; each fails at the TLS handshake.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await statusOf(server.id)).not.toBe('online');
  });
});
