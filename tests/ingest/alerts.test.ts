import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvaluator, type AlertEvaluatorDeps } from '../../api/alerting/alert-evaluator.js';
import { notificationRetry, retryAt } from '../../api/alerting/notification-queue.js';
import { spanBlockOf } from '../../db/clickhouse/traces.js';
import { insertEncoded, jsonColumns } from '../../db/clickhouse/writer.js';
import { toServerProtocolId, type AlertChannelInput, type AlertCondition, type TraceSpan } from '../../contracts/index.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/*
 * Rules made through the REST API, evaluated against real PostgreSQL and chDB, announced to a
 * local HTTP server (signed webhook, Slack-compatible webhook) and a local SMTP server speaking
 * the real protocol. Retries run on an evaluator with its own clock, moved by the test.
 */
describe('alert evaluation and notification', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let evaluator: AlertEvaluator;
  let evaluatorDeps: AlertEvaluatorDeps;
  let projectId: string;
  let owner: Record<string, string>;
  let serviceId: string;
  let serverId: string;
  let agentToken: string;
  let baseUrl: string;
  let receiver: Server;
  let receiverUrl: string;
  let smtp: SMTPServer;
  let smtpPort: number;
  const posts: { path: string; status: number; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  /** How many more times the receiver answers a path with 503 before it answers 200. */
  const failuresLeft = new Map<string, number>();
  const mails: { user: string | undefined; to: string[]; text: string }[] = [];
  const webhookSecret = 'a-webhook-secret-of-some-length';

  beforeAll(async () => {
    receiver = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '';
        const failures = failuresLeft.get(path) ?? 0;
        failuresLeft.set(path, failures - 1);
        response.statusCode = failures > 0 ? 503 : 200;
        posts.push({ path, status: response.statusCode, headers: request.headers, body: Buffer.concat(chunks).toString() });
        response.end();
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
    projectId = (await createProject(db, orgId, 'alerts')).id;
    serviceId = (
      await db.insertInto('services').values({ project_id: projectId, server_id: serverId, name: 'checkout', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    evaluatorDeps = { db, clickhouse: api.platform.clickhouse.client, secrets: api.platform.secrets, log: pino({ level: 'warn' }) };
    evaluator = new AlertEvaluator(evaluatorDeps);
  });
  afterAll(async () => {
    await api?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await new Promise((resolve) => smtp?.close(() => resolve(undefined)));
  });

  const channelsTo = (hookPath: string, slackPath: string): AlertChannelInput[] => [
    { type: 'webhook', url: `${receiverUrl}${hookPath}`, secret: webhookSecret },
    { type: 'slack', webhook_url: `${receiverUrl}${slackPath}` },
    { type: 'email', to: ['ops@localhost'], from: 'syntra@localhost', smtp: { host: '127.0.0.1', port: smtpPort, security: 'none', username: 'alerts', password: 'smtp-password' } },
  ];
  const createRule = async (
    name: string,
    condition: AlertCondition,
    target: { service_id: string } | { project_id: string } = { service_id: serviceId },
    channels = channelsTo('/hook', '/slack/T000/B000/secret'),
  ) => {
    const response = await api.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: owner, payload: { name, ...target, condition, channels } });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().data.id as string;
  };
  const addService = async (name: string, on = { projectId, serverId }) =>
    (
      await api.platform.db
        .insertInto('services')
        .values({ project_id: on.projectId, server_id: on.serverId, name, source_type: 'image' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const failHealthCheck = (service: string) =>
    api.platform.db.insertInto('health_checks').values({ service_id: service, response_time_ms: 5000, is_healthy: false }).execute();
  /**
   * Two evaluators, as two API processes would run them, ticking together on the notification
   * clock `clock.now`; and the error lines they log.
   */
  const clockedEvaluators = () => {
    const clock = { now: Date.now() };
    const errors: { msg: string; err?: { message: string } }[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line)) });
    const processes = [1, 2].map(() => new AlertEvaluator({ ...evaluatorDeps, log, now: () => new Date(clock.now) }));
    return { clock, errors, tick: () => Promise.all(processes.map((process) => process.tick())) };
  };
  const statusesAt = (path: string) => posts.filter((post) => post.path === path).map((post) => post.status);
  const subjectsOf = (rule: string) => mails.map((mail) => /Subject: (.*)/.exec(mail.text)?.[1] ?? '').filter((subject) => subject.includes(rule));
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
  const insertSpans = (spans: TraceSpan[]) => insertEncoded(api.platform.clickhouse.client, 'traces', jsonColumns, [spanBlockOf(spans)]);

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
      // Summed up by the built-in engine as it opened, naming the service it is about.
      await expect.poll(async () => (await incidentsOf(alertId))[0]!.ai_summary).toMatch(new RegExp(`^Built-in summary.*\\nCheckout down: checkout exited with code 137\\.\\n.*\\[service:${serviceId}\\]`, 's'));
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

  it('retries a failed delivery 30 s later, doubling up to an hour between attempts, for a day', () => {
    const queuedAt = new Date('2030-01-01T00:00:00Z');
    const delays: number[] = [];
    let failedAt = queuedAt;
    for (let attempts = 1; ; attempts += 1) {
      const next = retryAt({ attempts, queued_at: queuedAt }, failedAt, notificationRetry);
      if (!next) break;
      delays.push((next.getTime() - failedAt.getTime()) / 1000);
      failedAt = next;
    }
    expect(delays.slice(0, 9)).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    // The last retry falls on the deadline itself, and a failure there is the last one.
    expect(failedAt.getTime() - queuedAt.getTime()).toBe(notificationRetry.giveUpAfterSeconds * 1000);
  });

  it('delivers once to a webhook that failed twice, and never again to the channels that succeeded at once, with two processes sending', async () => {
    const cart = await addService('cart');
    const alertId = await createRule('Cart down', { type: 'downtime', consecutive_failures: 1 }, { service_id: cart }, channelsTo('/flaky', '/slack/cart'));
    failuresLeft.set('/flaky', 2);
    const { clock, tick } = clockedEvaluators();
    await failHealthCheck(cart);
    await tick();
    expect(statusesAt('/flaky')).toEqual([503]);
    clock.now += 29_000;
    await tick();
    expect(statusesAt('/flaky')).toEqual([503]);
    clock.now += 1_000;
    await tick();
    expect(statusesAt('/flaky')).toEqual([503, 503]);
    clock.now += 59_000;
    await tick();
    expect(statusesAt('/flaky')).toEqual([503, 503]);
    clock.now += 1_000;
    await tick();
    expect(statusesAt('/flaky')).toEqual([503, 503, 200]);
    for (const hours of [1, 24]) {
      clock.now += hours * 3_600_000;
      await tick();
    }
    expect(statusesAt('/flaky')).toEqual([503, 503, 200]);
    expect(JSON.parse(posts.findLast((post) => post.path === '/flaky')!.body)).toMatchObject({ event: 'incident.fired', rule: { id: alertId } });
    expect(statusesAt('/slack/cart')).toEqual([200]);
    expect(subjectsOf('Cart down')).toEqual(['[FIRING] Cart down: cart failed 1 health checks in a row']);
    const [incident] = await incidentsOf(alertId);
    const deliveries = await api.platform.db.selectFrom('alert_notifications').selectAll().where('incident_id', '=', incident!.id).execute();
    expect(deliveries.map((row) => [row.status, row.attempts]).sort()).toEqual([
      ['delivered', 1],
      ['delivered', 1],
      ['delivered', 3],
    ]);
  });

  it('gives up on a channel that keeps failing once a day has passed, keeping its last error', async () => {
    const ledger = await addService('ledger');
    const alertId = await createRule('Ledger down', { type: 'downtime', consecutive_failures: 1 }, { service_id: ledger }, channelsTo('/down', '/slack/ledger'));
    failuresLeft.set('/down', Number.POSITIVE_INFINITY);
    const { clock, errors, tick } = clockedEvaluators();
    await failHealthCheck(ledger);
    await tick();
    // Every six hours (each retry is due by then): attempts at 0, 6, 12, 18 and 24 hours.
    for (let round = 0; round < 6; round += 1) {
      clock.now += 6 * 3_600_000;
      await tick();
    }
    expect(statusesAt('/down')).toEqual([503, 503, 503, 503, 503]);
    const [incident] = await incidentsOf(alertId);
    const webhook = await api.platform.db
      .selectFrom('alert_notifications')
      .selectAll()
      .where('incident_id', '=', incident!.id)
      .where('status', '!=', 'delivered')
      .executeTakeFirstOrThrow();
    expect(webhook).toMatchObject({ status: 'failed', attempts: 5, last_error: `${receiverUrl} answered 503` });
    expect(errors).toEqual([expect.objectContaining({ msg: 'alert notification given up after 5 attempts in 86400 s', err: expect.objectContaining({ message: `${receiverUrl} answered 503` }) })]);
    expect(statusesAt('/slack/ledger')).toEqual([200]);
  });

  it("opens an incident from a server's own alert on each rule watching a service of that server, once per rule", async () => {
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const otherServerId = (await createServer(db, orgId, 'other-host')).server.id;
    const fleetId = (await createProject(db, orgId, 'fleet')).id;
    const worker = await addService('worker', { projectId: fleetId, serverId });
    await addService('queue', { projectId: fleetId, serverId });
    const billing = await addService('billing', { projectId: fleetId, serverId: otherServerId });
    const fleetRule = await createRule('Fleet down', { type: 'downtime', consecutive_failures: 3 }, { project_id: fleetId });
    const workerRule = await createRule('Worker down', { type: 'downtime', consecutive_failures: 3 }, { service_id: worker });
    const billingRule = await createRule('Billing down', { type: 'downtime', consecutive_failures: 3 }, { service_id: billing });
    const fleetLatency = await createRule('Fleet slow', { type: 'latency', percentile: 95, threshold_ms: 1000, window_minutes: 5 }, { project_id: fleetId });
    const alert = {
      alert_id: randomUUID(),
      server_id: toServerProtocolId(serverId),
      type: 'resource_critical',
      severity: 'critical',
      title: 'Telemetry spool full: data dropped',
      message: 'the spool reached its limit',
      timestamp: new Date().toISOString(),
      metadata: {},
    };
    const agent = await FakeAgent.connect(baseUrl, agentToken, serverId);
    try {
      await agent.hello();
      agent.send('alert', alert);
      await expect.poll(async () => (await incidentsOf(workerRule)).map((row) => row.message)).toEqual(['Worker down: Telemetry spool full: data dropped on server alerts-host']);
    } finally {
      await agent.close();
    }
    await evaluator.tick();
    const [fleetIncident] = await incidentsOf(fleetRule);
    expect(fleetIncident).toMatchObject({
      status: 'firing',
      message: 'Fleet down: Telemetry spool full: data dropped on server alerts-host',
      details: {
        source: 'agent',
        server: { id: serverId, name: 'alerts-host' },
        services: [
          { id: expect.any(String), name: 'queue' },
          { id: worker, name: 'worker' },
        ],
        alert: { alert_id: alert.alert_id, type: 'resource_critical', title: 'Telemetry spool full: data dropped' },
      },
    });
    expect(await incidentsOf(workerRule)).toHaveLength(1);
    expect(await incidentsOf(billingRule)).toEqual([]);
    expect(await incidentsOf(fleetLatency)).toEqual([]);
  });
});
