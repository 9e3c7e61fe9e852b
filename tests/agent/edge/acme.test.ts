import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../../agent/commands/deploy.js';
import { ServiceRegistry } from '../../../agent/runtime/service-registry.js';
import { startTestRegistry, type TestRegistry } from '../../support/docker.js';
import { agentHarness, HTTP_HEALTH_CHECK } from '../harness.js';
import { httpsGet, startEdge } from './edge-support.js';
import { startPebble } from './pebble.js';

let registry: TestRegistry;
let harness: Awaited<ReturnType<typeof agentHarness>>;
let pebble: Awaited<ReturnType<typeof startPebble>>;
let edge: Awaited<ReturnType<typeof startEdge>> | undefined;

beforeAll(async () => {
  registry = await startTestRegistry();
  harness = await agentHarness(registry);
  pebble = await startPebble();
});

afterAll(async () => {
  await harness?.cleanup();
  await edge?.cleanup();
  await pebble?.stop();
  await registry?.cleanup();
});

describe('certificates from a real ACME server (Pebble)', () => {
  it('orders a certificate for an approved domain, never for another name, and keeps it across restarts of Caddy and the agent', async () => {
    const issuer = { type: 'acme' as const, directory: pebble.directory, email: 'ops@syntra.test', trustedRootsPemFiles: [pebble.serverCertFile] };
    edge = await startEdge(issuer);
    harness.context.edge = edge.router;
    const domain = 'acme.syntra.test';
    const payload = harness.deployPayload('httpV1', {
      config: { port: 8080, replicas: 1, env_vars: {}, labels: {}, health_check: HTTP_HEALTH_CHECK },
      networking: { domains: [domain], internal_hostname: 'web.acme.internal', expose_port: false },
    });
    expect(await deploy(harness.context, payload, () => {})).toMatchObject({ ok: true });
    // The name does not resolve: nothing is ordered until a visitor's handshake asks for it.
    expect(await edge.router.domainStatuses()).toMatchObject([{ domain, status: 'pending_dns', expires_at: null }]);
    expect(pebble.orders()).toBe(0);

    const root = await pebble.issuingRoot();
    const first = await httpsGet(domain, edge.router.httpsPort, '/version', root);
    expect(first).toMatchObject({ status: 200, body: 'v1' });
    expect(first.certificate.issuer).toMatch(/^Pebble Intermediate CA/);
    expect(pebble.orders()).toBe(1);
    const [status] = await edge.router.domainStatuses();
    expect(status).toMatchObject({ domain, status: 'active', error: null, issuer: expect.stringMatching(/^Pebble Intermediate CA/) });

    // The ask endpoint turns away a name no service has: the handshake fails and nothing is ordered.
    await expect(httpsGet('intruder.syntra.test', edge.router.httpsPort, '/', root)).rejects.toThrow();
    expect(pebble.orders()).toBe(1);

    // Caddy dies: the agent starts it again, which serves the stored certificate.
    const pid = edge.router.caddyPid!;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => edge!.router.caddyPid !== pid, { timeout: 15_000 }).toBe(true);
    await expect
      .poll(async () => (await httpsGet(domain, edge!.router.httpsPort, '/version', root).catch(() => null))?.certificate.serialNumber, { timeout: 15_000 })
      .toBe(first.certificate.serialNumber);

    // The agent restarts (its proxy with it) on the same data folder: same certificate, no new order.
    // Its memory of services is rebuilt from the containers' labels, as after any agent restart.
    await edge.cleanup(true);
    await harness.context.services.close();
    harness.context.services = new ServiceRegistry(harness.docker, harness.serverId);
    edge = await startEdge(issuer, edge.dataDir);
    harness.context.edge = edge.router;
    await harness.context.services.attach(harness.serverId);
    await edge.router.sync(harness.context.services);
    const again = await httpsGet(domain, edge.router.httpsPort, '/version', root);
    expect(again).toMatchObject({ status: 200, body: 'v1' });
    expect(again.certificate.serialNumber).toBe(first.certificate.serialNumber);
    expect(pebble.orders()).toBe(1);
  });

  it("orders from the organization's ACME directory a deploy carries, in place of the agent's own", async () => {
    // The agent's own directory answers nothing: a certificate can only come from the deploy's.
    const own = { type: 'acme' as const, directory: 'https://127.0.0.1:9/directory', trustedRootsPemFiles: [pebble.serverCertFile] };
    const organization = await startEdge(own);
    try {
      harness.context.edge = organization.router;
      const domain = 'org.syntra.test';
      const before = pebble.orders();
      const payload = harness.deployPayload('httpV1', {
        config: { port: 8080, replicas: 1, env_vars: {}, labels: {}, health_check: HTTP_HEALTH_CHECK },
        networking: { domains: [domain], internal_hostname: 'web.org.internal', expose_port: false, acme: { directory_url: pebble.directory, email: 'certs@syntra.test' } },
      });
      expect(await deploy(harness.context, payload, () => {})).toMatchObject({ ok: true });
      const answer = await httpsGet(domain, organization.router.httpsPort, '/version', await pebble.issuingRoot());
      expect(answer).toMatchObject({ status: 200, body: 'v1' });
      expect(answer.certificate.issuer).toMatch(/^Pebble Intermediate CA/);
      expect(pebble.orders()).toBe(before + 1);
    } finally {
      await organization.cleanup();
    }
  });
});
