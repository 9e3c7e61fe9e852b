import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvaluator } from '../../api/ingest/alerts/alert-evaluator.js';
import { spanRow } from '../../api/ingest/clickhouse-rows.js';
import { toServerProtocolId, type AlertCondition, type TraceSpan } from '../../contracts/index.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/*
 * Rules made through the REST API, evaluated against real PostgreSQL and chDB, announced to a
 * local HTTP server (signed webhook, Slack-compatible webhook) and a local SMTP server speaking
 * the real protocol.
 */
describe('alert evaluation and notification', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let evaluator: AlertEvaluator;
  let owner: Record<string, string>;
  let serviceId: string;
  let serverId: string;
  let agentToken: string;
  let baseUrl: string;
  let receiver: Server;
  let receiverUrl: string;
  let smtp: SMTPServer;
  let smtpPort: number;
  const posts: { path: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const mails: { user: string | undefined; to: string[]; text: string }[] = [];
  const webhookSecret = 'a-webhook-secret-of-some-length';

  beforeAll(async () => {
    receiver = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        posts.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    smtp = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth: (auth, _session, callback) =>
        auth.username === 'alerts' && auth.password === 'smtp-password' ? callback(null, { user: auth.username }) : callback(new Error('bad credentials')),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push({ user: session.user as string | undefined, to: session.envelope.rcptTo.map((rcpt) => rcpt.address), text: Buffer.concat(chunks).toString() });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;

    api = await startTestApi('ingest-alerts');
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    owner = bearer(api.ownerToken);
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const created = await createServer(db, orgId, 'alerts-host');
    serverId = created.server.id;
    agentToken = created.token;
    const projectId = (await createProject(db, orgId, 'alerts')).id;
    serviceId = (
      await db.insertInto('services').values({ project_id: projectId, server_id: serverId, name: 'checkout', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    evaluator = new AlertEvaluator({ db, clickhouse: api.platform.clickhouse.client, secrets: api.platform.secrets, log: pino({ level: 'warn' }) });
  });
  afterAll(async () => {
    await api?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await new Promise((resolve) => smtp?.close(() => resolve(undefined)));
  });

  const createRule = async (name: string, condition: AlertCondition) => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: owner,
      payload: {
        name,
        service_id: serviceId,
        condition,
        channels: [
          { type: 'webhook', url: `${receiverUrl}/hook`, secret: webhookSecret },
          { type: 'slack', webhook_url: `${receiverUrl}/slack/T000/B000/secret` },
          { type: 'email', to: ['ops@localhost'], from: 'syntra@localhost', smtp: { host: '127.0.0.1', port: smtpPort, security: 'none', username: 'alerts', password: 'smtp-password' } },
        ],
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().data.id as string;
  };
  const incidentsOf = (alertId: string) =>
    api.platform.db.selectFrom('alert_incidents').selectAll().where('alert_id', '=', alertId).orderBy('fired_at').execute();
  const spans = (count: number, status: 'ok' | 'error'): TraceSpan[] =>
    Array.from({ length: count }, () => ({
      trace_id: randomBytes(16).toString('hex'),
      span_id: randomBytes(8).toString('hex'),
      service_id: serviceId,
      deployment_id: randomUUID(),
      operation_name: 'GET /cart',
      span_kind: 'server',
      start_time_ns: Date.now() * 1e6,
      duration_ns: 5_000_000,
      status: { code: status },
      attributes: {},
      events: [],
    }));
  const insertSpans = (rows: TraceSpan[]) => api.platform.clickhouse.client.insert({ table: 'traces', values: rows.map(spanRow), format: 'JSONEachRow' });

  it('fires when the error rate passes its threshold, resolves when it falls back, and notifies each channel once for each', async () => {
    const alertId = await createRule('Checkout errors', { type: 'error_rate', threshold_percent: 20, window_minutes: 5 });
    await insertSpans([...spans(5, 'error'), ...spans(5, 'ok')]);
    await evaluator.tick();
    await evaluator.tick();
    const [incident] = await incidentsOf(alertId);
    expect(incident).toMatchObject({ status: 'firing', message: 'Checkout errors: error rate 50 % above 20 % on checkout', resolved_at: null });

    const hooks = posts.filter((post) => post.path === '/hook');
    expect(hooks).toHaveLength(1);
    const body = JSON.parse(hooks[0]!.body);
    expect(body).toMatchObject({ event: 'incident.fired', rule: { id: alertId, type: 'error_rate' }, incident: { id: incident!.id, status: 'firing' } });
    expect(hooks[0]!.headers['x-syntra-signature']).toBe(`sha256=${createHmac('sha256', webhookSecret).update(hooks[0]!.body).digest('hex')}`);
    expect(posts.filter((post) => post.path === '/slack/T000/B000/secret').map((post) => JSON.parse(post.body).text)).toEqual([
      '[FIRING] Checkout errors: error rate 50 % above 20 % on checkout',
    ]);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ user: 'alerts', to: ['ops@localhost'] });
    expect(mails[0]!.text).toContain('Subject: [FIRING] Checkout errors');

    await insertSpans(spans(40, 'ok'));
    await evaluator.tick();
    await evaluator.tick();
    expect(await incidentsOf(alertId)).toEqual([expect.objectContaining({ id: incident!.id, status: 'resolved', resolved_at: expect.any(Date) })]);
    expect(posts.filter((post) => post.path === '/hook').map((post) => JSON.parse(post.body).event)).toEqual(['incident.fired', 'incident.resolved']);
    expect(posts.filter((post) => post.path.startsWith('/slack')).map((post) => JSON.parse(post.body).text)[1]).toMatch(/^\[RESOLVED\] /);
    expect(mails.map((mail) => /Subject: (\S+)/.exec(mail.text)?.[1])).toEqual(['[FIRING]', '[RESOLVED]']);
  });

  it('opens a downtime incident from an agent\'s alert and resolves it once the service passes a health check', async () => {
    const alertId = await createRule('Checkout down', { type: 'downtime', consecutive_failures: 3 });
    const agent = await FakeAgent.connect(baseUrl, agentToken, serverId);
    try {
      await agent.hello();
      agent.send('alert', {
        alert_id: randomUUID(),
        service_id: serviceId,
        server_id: toServerProtocolId(serverId),
        type: 'container_crash',
        severity: 'critical',
        title: 'checkout exited with code 137',
        message: 'OOM killed',
        timestamp: new Date().toISOString(),
        metadata: { exit_code: 137 },
      });
      await expect.poll(async () => (await incidentsOf(alertId)).map((row) => [row.status, row.message])).toEqual([
        ['firing', 'Checkout down: checkout exited with code 137'],
      ]);
    } finally {
      await agent.close();
    }
    // A failed check is not a recovery; a passing one after the incident fired is.
    await api.platform.db.insertInto('health_checks').values({ service_id: serviceId, response_time_ms: 5, is_healthy: false }).execute();
    await evaluator.tick();
    expect((await incidentsOf(alertId))[0]!.status).toBe('firing');
    await api.platform.db.insertInto('health_checks').values({ service_id: serviceId, response_time_ms: 5, is_healthy: true }).execute();
    await evaluator.tick();
    expect((await incidentsOf(alertId))[0]!.status).toBe('resolved');
  });

  it('fires a downtime rule on consecutive failed health checks, a custom rule on a metric, a latency rule on a percentile', async () => {
    const downtime = await createRule('Checkout failing checks', { type: 'downtime', consecutive_failures: 2 });
    const slow = await createRule('Checkout slow', { type: 'latency', percentile: 95, threshold_ms: 4, window_minutes: 5 });
    const fast = await createRule('Checkout very slow', { type: 'latency', percentile: 95, threshold_ms: 6, window_minutes: 5 });
    const custom = await createRule('Checkout CPU', { type: 'custom', metric: 'container.cpu.percent', aggregation: 'avg', operator: 'gt', threshold: 90, window_minutes: 5 });
    const { db, clickhouse } = api.platform;
    await db.insertInto('health_checks').values([1, 2].map(() => ({ service_id: serviceId, response_time_ms: 5000, is_healthy: false, error_message: 'timeout' }))).execute();
    const now = Math.floor(Date.now() / 1000);
    await clickhouse.client.insert({
      table: 'metrics_raw',
      values: [97, 95].map((value) => ({ timestamp: now, service_id: serviceId, server_id: serverId, metric_name: 'container.cpu.percent', metric_type: 'gauge', value, labels: {} })),
      format: 'JSONEachRow',
    });
    await evaluator.tick();
    expect((await incidentsOf(downtime)).map((row) => row.message)).toEqual(['Checkout failing checks: checkout failed 2 health checks in a row']);
    expect((await incidentsOf(custom)).map((row) => row.message)).toEqual(['Checkout CPU: avg of container.cpu.percent 96 > 90 on checkout']);
    // Every span so far took 5 ms.
    expect((await incidentsOf(slow)).map((row) => row.message)).toEqual(['Checkout slow: p95 latency 5 ms above 4 ms on checkout']);
    expect(await incidentsOf(fast)).toEqual([]);
  });
});
