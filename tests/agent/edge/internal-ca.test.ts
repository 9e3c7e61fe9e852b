import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../../agent/commands/deploy.js';
import { stopService } from '../../../agent/commands/stop.js';
import { startTestRegistry, type TestRegistry } from '../../support/docker.js';
import { agentHarness, HTTP_HEALTH_CHECK } from '../harness.js';
import { curl, httpsGet, startEdge } from './edge-support.js';

let registry: TestRegistry;
let harness: Awaited<ReturnType<typeof agentHarness>>;
let edge: Awaited<ReturnType<typeof startEdge>>;
let ca: string;
let caFile: string;

const config = { port: 8080, replicas: 1, env_vars: {}, labels: {}, health_check: HTTP_HEALTH_CHECK };

beforeAll(async () => {
  registry = await startTestRegistry();
  harness = await agentHarness(registry);
  edge = await startEdge({ type: 'internal' });
  harness.context.edge = edge.router;
  ca = await edge.internalRoot();
  caFile = path.join(edge.dataDir, 'internal-root.crt');
  await writeFile(caFile, ca);
});

afterAll(async () => {
  await harness?.cleanup();
  await edge?.cleanup();
  await registry?.cleanup();
});

function domainsPayload(image: 'httpV1' | 'httpV2', serviceId: string, domains: string[]) {
  return harness.deployPayload(image, { serviceId, config, networking: { domains, internal_hostname: 'web.edge.internal', expose_port: false } });
}

describe("the agent's HTTPS proxy with Caddy's internal CA", () => {
  it('serves a deployed service over HTTPS at its domain, paths included, and redirects HTTP to HTTPS', async () => {
    const serviceId = crypto.randomUUID();
    const result = await deploy(harness.context, domainsPayload('httpV1', serviceId, ['shop.syntra.test', 'www.shop.syntra.test']), () => {});
    expect(result).toMatchObject({ ok: true });
    // A service with domains gets a stable endpoint even without expose_port: it is Caddy's upstream.
    expect(result.ok && result.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);

    expect(await curl('shop.syntra.test', edge.router.httpsPort, '/version', caFile)).toEqual({ status: 200, body: 'v1' });
    const answer = await httpsGet('www.shop.syntra.test', edge.router.httpsPort, '/health', ca);
    expect(answer.status).toBe(200);
    expect(answer.certificate.issuer).toMatch(/Caddy Local Authority/);

    const statuses = await edge.router.domainStatuses();
    expect(statuses.find((status) => status.domain === 'shop.syntra.test')).toMatchObject({ service_id: serviceId, status: 'active', error: null });
    expect(Date.parse(statuses[0]!.expires_at!)).toBeGreaterThan(Date.now());

    const plain = await plainGet(edge.router.httpPort, 'shop.syntra.test', '/version?x=1');
    expect(plain.status).toBe(308);
    expect(plain.location).toBe(`https://shop.syntra.test:${edge.router.httpsPort}/version?x=1`);
  });

  it('refuses a TLS handshake for a name no service has, so nothing is issued for it', async () => {
    await expect(httpsGet('stranger.syntra.test', edge.router.httpsPort, '/', ca)).rejects.toThrow();
    expect(edge.router.approves('stranger.syntra.test')).toBe(false);
  });

  it('stops routing a domain a redeploy removed, and every domain of a removed service', async () => {
    const serviceId = crypto.randomUUID();
    expect(await deploy(harness.context, domainsPayload('httpV1', serviceId, ['old.syntra.test', 'kept.syntra.test']), () => {})).toMatchObject({ ok: true });
    expect((await httpsGet('old.syntra.test', edge.router.httpsPort, '/version', ca)).status).toBe(200);

    expect(await deploy(harness.context, domainsPayload('httpV2', serviceId, ['kept.syntra.test']), () => {})).toMatchObject({ ok: true });
    expect(await httpsGet('kept.syntra.test', edge.router.httpsPort, '/version', ca)).toMatchObject({ status: 200, body: 'v2' });
    // Caddy still holds the certificate it issued, but no route answers for the name any more.
    expect(await httpsGet('old.syntra.test', edge.router.httpsPort, '/version', ca).catch(() => ({ status: 0 }))).toMatchObject({ status: 404 });

    await stopService(harness.context, { request_id: 'stop-edge', service_id: serviceId, timeout_seconds: 5, remove_container: true });
    expect(await httpsGet('kept.syntra.test', edge.router.httpsPort, '/version', ca).catch(() => ({ status: 0 }))).toMatchObject({ status: 404 });
    expect(edge.router.approves('kept.syntra.test')).toBe(false);
  });

  it('brings Caddy back with its routes when Caddy dies', async () => {
    const serviceId = crypto.randomUUID();
    expect(await deploy(harness.context, domainsPayload('httpV1', serviceId, ['phoenix.syntra.test']), () => {})).toMatchObject({ ok: true });
    const pid = edge.router.caddyPid!;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => edge.router.caddyPid !== pid && edge.router.caddyPid !== undefined, { timeout: 15_000 }).toBe(true);
    await expect
      .poll(async () => (await httpsGet('phoenix.syntra.test', edge.router.httpsPort, '/version', ca).catch(() => ({ body: 'down' }))).body, { timeout: 15_000 })
      .toBe('v1');
  });
});


/* fetch() may not set Host, which is what picks the site. */
function plainGet(port: number, host: string, urlPath: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, headers: { host } }, (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, location: response.headers.location });
      })
      .on('error', reject);
  });
}
