import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvaluator } from '../../api/alerting/alert-evaluator.js';
import type { AgentDomainStatus } from '../../contracts/index.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/*
 * Renewal watched: certificate expiries reach the control plane in the agent's heartbeats through
 * the real gateway; the real evaluator opens one incident per certificate under 14 days on the
 * downtime rule watching the service, sends it to the rule's webhook, and resolves it once the
 * agent reports a renewed certificate.
 */
describe('a certificate close to its expiry', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let evaluator: AlertEvaluator;
  let agent: FakeAgent;
  let serviceId: string;
  let receiver: Server;
  const posts: { event: string; incident: { message: string } }[] = [];
  const dayMs = 86_400_000;

  beforeAll(async () => {
    receiver = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        posts.push(JSON.parse(Buffer.concat(chunks).toString()));
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    api = await startTestApi('certificate-expiry');
    const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const { server, token } = await createServer(db, orgId, 'edge-host');
    const projectId = (await createProject(db, orgId, 'shop')).id;
    serviceId = (await db.insertInto('services').values({ project_id: projectId, server_id: server.id, name: 'web', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()).id;
    const patched = await api.app.inject({ method: 'PATCH', url: `/api/v1/services/${serviceId}`, headers: bearer(api.ownerToken), payload: { domains: ['shop.example.com', 'www.example.com'] } });
    expect(patched.statusCode, patched.body).toBe(200);
    evaluator = new AlertEvaluator({ db, clickhouse: api.platform.clickhouse.client, secrets: api.platform.secrets, log: pino({ level: 'warn' }) });
    agent = await FakeAgent.connect(baseUrl, token, server.id);
    await agent.hello();
  });
  afterAll(async () => {
    await agent?.close();
    await api?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const createRule = async (name: string) => {
    const port = (receiver.address() as AddressInfo).port;
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: bearer(api.ownerToken),
      payload: { name, service_id: serviceId, condition: { type: 'downtime', consecutive_failures: 3 }, channels: [{ type: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret: 'a-webhook-secret-of-some-length' }] },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().data.id as string;
  };
  const incidentsOf = (alertId: string) => api.platform.db.selectFrom('alert_incidents').selectAll().where('alert_id', '=', alertId).orderBy('fired_at').execute();
  const certificateIncidentsOf = async (alertId: string) => (await incidentsOf(alertId)).filter((row) => (row.details as { source: string }).source === 'certificate');
  /* A heartbeat, then the evaluator's round once the control plane stored what it reported. */
  const report = async (shop: Omit<AgentDomainStatus, 'domain' | 'service_id'>, wwwExpiresAt: Date) => {
    const statuses: AgentDomainStatus[] = [
      { domain: 'shop.example.com', service_id: serviceId, ...shop },
      { domain: 'www.example.com', service_id: serviceId, status: 'active', expires_at: wwwExpiresAt.toISOString(), issuer: 'Pebble Intermediate CA', error: null },
    ];
    agent.heartbeat({ domains: statuses });
    // The expiry too: two reports may differ in nothing else, and the round must see the new one.
    const stored = async () => {
      const row = await api.platform.db.selectFrom('service_domains').select(['status', 'error', 'expires_at']).where('domain', '=', 'shop.example.com').executeTakeFirst();
      return row && { status: row.status, error: row.error, expires_at: row.expires_at?.toISOString() ?? null };
    };
    await expect.poll(stored).toEqual({ status: shop.status, error: shop.error, expires_at: shop.expires_at ?? null });
    await evaluator.tick();
  };

  it('opens one incident per certificate under 14 days, keeps it while renewal fails, and resolves it once renewed', async () => {
    const alertId = await createRule('Shop down');
    const expiring = new Date(Date.now() + 10 * dayMs);
    const active = { status: 'active', issuer: 'Pebble Intermediate CA', error: null } as const;
    await report({ ...active, expires_at: expiring.toISOString() }, new Date(Date.now() + 60 * dayMs));
    const [incident, ...others] = await incidentsOf(alertId);
    expect(others).toEqual([]);
    expect(incident).toMatchObject({ status: 'firing', details: { source: 'certificate', domain: 'shop.example.com', expires_at: expiring.toISOString() } });
    expect(incident!.message).toMatch(/^Shop down: the certificate of shop\.example\.com expires on .* \(in (9|10) days\) and was not renewed$/);
    await expect.poll(() => posts.map((post) => post.event)).toEqual(['incident.fired']);
    expect(posts[0]!.incident.message).toBe(incident!.message);

    // The same certificate reported again, then its renewal failing (no expiry in the report): still the one incident.
    await report({ ...active, expires_at: expiring.toISOString() }, new Date(Date.now() + 60 * dayMs));
    await report({ status: 'error', expires_at: null, issuer: null, error: 'urn:ietf:params:acme:error:connection: timeout during connect' }, new Date(Date.now() + 60 * dayMs));
    expect((await incidentsOf(alertId)).map((row) => row.status)).toEqual(['firing']);

    // A health-check breach of the same rule is its own incident, beside the certificate's.
    await api.platform.db.insertInto('health_checks').values([1, 2, 3].map(() => ({ service_id: serviceId, response_time_ms: 5000, is_healthy: false }))).execute();
    await evaluator.tick();
    expect((await incidentsOf(alertId)).map((row) => [row.status, (row.details as { source: string }).source])).toEqual([
      ['firing', 'certificate'],
      ['firing', 'rule'],
    ]);

    await report({ ...active, expires_at: new Date(Date.now() + 90 * dayMs).toISOString() }, new Date(Date.now() + 60 * dayMs));
    expect((await incidentsOf(alertId)).map((row) => row.status)).toEqual(['resolved', 'firing']);
    await expect.poll(() => posts.filter((post) => post.incident.message === incident!.message).map((post) => post.event)).toEqual(['incident.fired', 'incident.resolved']);
  });

  it('raises an incident again for a later certificate that also nears its end, and never for one with time left', async () => {
    const alertId = await createRule('Shop down again');
    const active = { status: 'active', issuer: 'Pebble Intermediate CA', error: null } as const;
    await report({ ...active, expires_at: new Date(Date.now() + 90 * dayMs).toISOString() }, new Date(Date.now() + 15 * dayMs));
    expect(await certificateIncidentsOf(alertId)).toEqual([]);
    const first = new Date(Date.now() + 5 * dayMs);
    await report({ ...active, expires_at: first.toISOString() }, new Date(Date.now() + 15 * dayMs));
    const second = new Date(Date.now() - dayMs);
    await report({ ...active, expires_at: second.toISOString() }, new Date(Date.now() + 15 * dayMs));
    const incidents = await certificateIncidentsOf(alertId);
    expect(incidents.map((row) => [row.status, (row.details as { expires_at: string }).expires_at])).toEqual([
      ['firing', first.toISOString()],
      ['firing', second.toISOString()],
    ]);
    expect(incidents[1]!.message).toContain(`expired on ${second.toISOString()}`);
  });
});
