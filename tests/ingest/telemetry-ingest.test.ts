import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compress } from 'zstd-napi';
import { logRow } from '../../db/clickhouse/logs.js';
import { metricRow } from '../../db/clickhouse/metrics.js';
import { spanBlockOf } from '../../db/clickhouse/traces.js';
import { spanColumnsOf, toAgentProtocolId, type SpanColumns, type TelemetryData, type TraceSpan } from '../../contracts/index.js';
import { ClickHouseBatchWriter, insertEncoded, jsonColumns, jsonRows } from '../../db/clickhouse/writer.js';
import { claimBatch, pruneBatches } from '../../db/queries/telemetry-batches.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { errorEvent, paymentStack } from './error-events.js';
import { emptyTelemetry, sendBatch, zstdBatch as telemetryBatch } from './telemetry-batches.js';

/*
 * A fake agent speaking the real protocol to the real gateway, with real PostgreSQL and chDB
 * behind it; what ingest stored is read back through the observability API where it can be.
 */
describe('telemetry ingest', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  let owner: Record<string, string>;
  let agent: FakeAgent;
  let serverId: string;
  let projectId: string;
  let serviceId: string;
  let deploymentId: string;

  const zstdBatch = (data: Partial<TelemetryData>, batchId?: string) => telemetryBatch(serverId, data, batchId);
  const send = (payload: { batch_id: string }) => sendBatch(agent, payload);
  const get = async (url: string) => {
    const response = await api.app.inject({ method: 'GET', url, headers: owner });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().data;
  };
  const count = async (query: string) => {
    const result = await api.platform.clickhouse.client.query({ query, format: 'JSONEachRow' });
    return Number((await result.json<{ n: string | number }>())[0]!.n);
  };
  const issuesOf = async () => get(`/api/v1/projects/${projectId}/issues?sort=event_count`);
  const span = (traceId: string, spanId: string, overrides: Partial<TraceSpan> = {}): TraceSpan => ({
    trace_id: traceId,
    span_id: spanId,
    service_id: serviceId,
    deployment_id: deploymentId,
    operation_name: 'POST /checkout',
    span_kind: 'server',
    start_time_ns: Date.now() * 1e6,
    duration_ns: 12_500_000,
    status: { code: 'unset' },
    attributes: { 'http.route': '/checkout', 'http.status_code': 500, retried: false },
    events: [],
    ...overrides,
  });
  const randomHex = (digits: number) => randomUUID().replace(/-/g, '').slice(0, digits);
  // Within the logs' 30-day TTL, on a whole second so the texts below are exact.
  const logMillis = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  const isoSecond = (millis: number) => new Date(millis).toISOString().slice(0, 19);
  const logWindow = `from=${isoSecond(logMillis - 60_000)}Z&to=${isoSecond(logMillis + 60_000)}Z`;

  beforeAll(async () => {
    api = await startTestApi('telemetry-ingest');
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    owner = bearer(api.ownerToken);
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const { server, token } = await createServer(db, orgId, 'ingest-host');
    serverId = server.id;
    projectId = (await createProject(db, orgId, 'ingest')).id;
    serviceId = (
      await db.insertInto('services').values({ project_id: projectId, server_id: serverId, name: 'checkout', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    deploymentId = (await db.insertInto('deployments').values({ service_id: serviceId }).returning('id').executeTakeFirstOrThrow()).id;
    agent = await FakeAgent.connect(baseUrl, token, serverId);
    expect((await agent.hello()).payload).toMatchObject({ accepted: true, protocol_version: '1.1' });
  });
  afterAll(async () => {
    await agent?.close();
    await api?.close();
  });

  const traceId = randomHex(32);
  const rootSpanId = randomHex(16);
  const firstBatchId = randomUUID();
  const firstBatch = () => {
    const event = (userId: string) => errorEvent(serviceId, deploymentId, { userId });
    return zstdBatch(
      {
        errors: [event('u-1'), event('u-2'), event('u-1'), errorEvent(serviceId, deploymentId, { type: 'PaymentError', message: 'card declined', stack_trace: paymentStack() })],
        traces: [
          span(traceId, rootSpanId, { status: { code: 'error', message: 'cart not found' } }),
          span(traceId, randomHex(16), { parent_span_id: rootSpanId, operation_name: 'SELECT carts', span_kind: 'client', start_time_ns: Date.now() * 1e6 + 1_000 }),
        ],
        logs: [
          { timestamp: `${isoSecond(logMillis)}.123456789Z`, service_id: serviceId, deployment_id: deploymentId, level: 'error', message: 'cart lookup failed for checkout', attributes: { cart: 7 }, trace_id: traceId, span_id: rootSpanId, source: 'sdk' },
          { timestamp: `${isoSecond(logMillis + 3_600_000)}.5+01:00`, service_id: serviceId, deployment_id: deploymentId, level: 'info', message: 'listening on 3000', attributes: {}, source: 'stdout' },
        ],
        metrics: [
          { timestamp: new Date().toISOString(), service_id: serviceId, name: 'container.cpu.percent', type: 'gauge', value: 42.5, labels: { container: 'c1' } },
          { timestamp: new Date().toISOString(), service_id: serviceId, name: 'container.memory.bytes', type: 'gauge', value: 1024, labels: { container: 'c1' } },
        ],
        health_checks: [
          { service_id: serviceId, timestamp: new Date().toISOString(), is_healthy: true, status_code: 200, response_time_ms: 12.4 },
          { service_id: serviceId, timestamp: new Date().toISOString(), is_healthy: false, response_time_ms: 5000, error: 'timeout' },
        ],
      },
      firstBatchId,
    );
  };
  const stored = async () => ({
    issues: (await issuesOf()).map((issue: any) => [issue.exception_type, issue.event_count, issue.user_count]),
    spans: await count(`SELECT count() AS n FROM traces WHERE trace_id = '${traceId}'`),
    logs: await count(`SELECT count() AS n FROM logs WHERE service_id = '${serviceId}'`),
    metrics: await count(`SELECT count() AS n FROM metrics_raw WHERE service_id = '${serviceId}' AND server_id = '${serverId}'`),
    healthChecks: (await api.platform.db.selectFrom('health_checks').select('id').where('service_id', '=', serviceId).execute()).length,
  });

  it('stores a batch whole and only then acknowledges it', async () => {
    expect(await send(firstBatch())).toEqual({ batch_id: firstBatchId, accepted: true });
    expect(await stored()).toEqual({
      issues: [['NotFoundError', 3, 2], ['PaymentError', 1, 0]],
      spans: 2,
      logs: 2,
      metrics: 2,
      healthChecks: 2,
    });
    const [issue] = await issuesOf();
    expect(issue.title).toMatch(/^NotFoundError: cart [0-9a-f-]+ not found$/);
    const events = await get(`/api/v1/issues/${issue.id}/events`);
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ deployment_id: deploymentId, release: '1.0.0', environment: 'production', user_id_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(events[0].context.user).toBeUndefined();

    const trace = await get(`/api/v1/traces/${traceId}`);
    expect(trace).toMatchObject({ span_count: 2, error_count: 1, root_operation: 'POST /checkout', status: 'error' });
    expect(trace.spans[1]).toMatchObject({ parent_span_id: rootSpanId, operation_name: 'SELECT carts' });
    expect(trace.spans[0].attributes).toEqual({ 'http.route': '/checkout', 'http.status_code': '500', retried: 'false' });

    const logs = await get(`/api/v1/services/${serviceId}/logs?search=lookup&${logWindow}`);
    expect(logs).toEqual([expect.objectContaining({ timestamp: `${isoSecond(logMillis)}.123456789Z`, trace_id: traceId, attributes: { cart: '7' } })]);
    const shifted = await get(`/api/v1/services/${serviceId}/logs?search=listening&${logWindow}`);
    expect(shifted[0].timestamp).toBe(`${isoSecond(logMillis)}.500000000Z`);
  });

  it('stores a batch sent twice (its ack was lost) once, and acknowledges it again', async () => {
    const before = await stored();
    expect(await send(firstBatch())).toEqual({ batch_id: firstBatchId, accepted: true });
    expect(await stored()).toEqual(before);
  });

  it('forgets batch ids only after their retention', async () => {
    const { db } = api.platform;
    const forgotten = await claimBatch(db, serverId, randomUUID());
    expect(forgotten).toBe('new');
    await db.updateTable('telemetry_batches').set({ received_at: new Date(Date.now() - 8 * 24 * 3_600_000) }).where('stored_at', 'is', null).execute();
    expect(await pruneBatches(db, 7 * 24)).toBe(1);
    expect(await db.selectFrom('telemetry_batches').select('batch_id').where('batch_id', '=', firstBatchId).execute()).toHaveLength(1);
  });

  it('completes an interrupted batch without storing twice what its first attempt wrote', async () => {
    const batchId = randomUUID();
    const spans = [span(traceId, randomHex(16), { parent_span_id: rootSpanId, operation_name: 'retry' }), span(traceId, randomHex(16), { parent_span_id: rootSpanId, operation_name: 'retry 2' })];
    const errors = [errorEvent(serviceId, deploymentId, { userId: 'u-3' })];
    const logs = ['first', 'second'].map((word) => ({
      timestamp: new Date().toISOString(), service_id: serviceId, deployment_id: deploymentId, level: 'warn' as const, message: `retrying ${word}`, attributes: {}, source: 'stderr' as const,
    }));
    const metrics = [1, 2].map((value) => ({
      timestamp: new Date().toISOString(), service_id: serviceId, name: 'queue.depth', type: 'gauge' as const, value, labels: {},
    }));
    // The first attempt claimed the batch and got one row of each kind stored, then died.
    expect(await claimBatch(api.platform.db, serverId, batchId)).toBe('new');
    await insertEncoded(api.platform.clickhouse.client, 'traces', jsonColumns, [spanBlockOf([spans[0]!])]);
    await api.platform.clickhouse.client.insert({ table: 'logs', values: [logRow(logs[0]!)], format: 'JSONEachRow' });
    await api.platform.clickhouse.client.insert({ table: 'metrics_raw', values: [metricRow(metrics[0]!, serverId)], format: 'JSONEachRow' });
    const before = await stored();
    expect(await send(zstdBatch({ traces: spans, errors, logs, metrics }, batchId))).toEqual({ batch_id: batchId, accepted: true });
    const after = await stored();
    expect(after.spans).toBe(before.spans + 1);
    expect(after.logs).toBe(before.logs + 1);
    expect(after.metrics).toBe(before.metrics + 1);
    expect(after.issues[0]).toEqual(['NotFoundError', 4, 3]);
  });

  it('shows a span resent in a later batch (an SDK retrying an export) once, in the trace and in the search', async () => {
    const resentTraceId = randomHex(32);
    const root = span(resentTraceId, randomHex(16), { operation_name: 'POST /resend', status: { code: 'error', message: 'declined' } });
    const child = span(resentTraceId, randomHex(16), { parent_span_id: root.span_id, operation_name: 'SELECT cards', start_time_ns: root.start_time_ns + 1_000 });
    for (const batch of [zstdBatch({ traces: [root, child] }), zstdBatch({ traces: [root] })]) {
      expect(await send(batch)).toEqual({ batch_id: batch.batch_id, accepted: true });
    }

    const trace = await get(`/api/v1/traces/${resentTraceId}`);
    expect(trace).toMatchObject({ span_count: 2, error_count: 1, root_operation: 'POST /resend', status: 'error' });
    expect(trace.spans.map((shown: TraceSpan) => shown.span_id)).toEqual([root.span_id, child.span_id]);
    const found = await get(`/api/v1/services/${serviceId}/traces?operation=${encodeURIComponent('POST /resend')}`);
    expect(found).toEqual([expect.objectContaining({ trace_id: resentTraceId, span_count: 2, error_count: 1 })]);
  });

  it('refuses a corrupt batch for good and keeps the session and the rest of the stream', async () => {
    const garbage = { ...zstdBatch({}), data: Buffer.from('not zstd at all').toString('base64') };
    expect(await send(garbage)).toMatchObject({ batch_id: garbage.batch_id, accepted: false, error: { code: 'VALIDATION_ERROR' } });
    const wrongShape = { ...zstdBatch({}), data: compress(Buffer.from(JSON.stringify({ errors: 'many' }))).toString('base64') };
    expect(await send(wrongShape)).toMatchObject({ accepted: false, error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('errors') } });
    const bomb = { ...zstdBatch({}), data: compress(Buffer.alloc(200 * 1024 * 1024, 32)).toString('base64') };
    expect(await send(bomb)).toMatchObject({ accepted: false, error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('bytes') } });
    agent.sendRaw('{"id":"x","type":"telemetry_batch","payload":{"batch_id":"' + randomUUID() + '"}}');

    const before = await stored();
    const next = zstdBatch({ errors: [errorEvent(serviceId, deploymentId)] });
    expect(await send(next)).toEqual({ batch_id: next.batch_id, accepted: true });
    expect((await stored()).issues[0]).toEqual(['NotFoundError', before.issues[0][1] + 1, 3]);
    expect(agent.closeCode).toBeNull();
  });

  it('stores spans sent as columns (protocol 1.2) beside span records, keeps only this server\'s services, and ignores unknown columns', async () => {
    const { db } = api.platform;
    const elsewhere = await createServer(db, (await bootstrappedOrganization(db)).id, 'columns-host');
    const foreign = (
      await db.insertInto('services').values({ project_id: projectId, server_id: elsewhere.server.id, name: 'ledger', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const columnsTraceId = randomHex(32);
    const root = span(columnsTraceId, randomHex(16), { operation_name: 'GET /columns', status: { code: 'error', message: 'timeout' }, events: [{ name: 'retry', timestamp_ns: Date.now() * 1e6, attributes: { attempt: 2 } }] });
    const child = span(columnsTraceId, randomHex(16), { parent_span_id: root.span_id, operation_name: 'SELECT columns', span_kind: 'client', start_time_ns: root.start_time_ns + 1_000 });
    const record = span(columnsTraceId, randomHex(16), { parent_span_id: root.span_id, operation_name: 'as a record', start_time_ns: root.start_time_ns + 2_000 });
    const stray = span(columnsTraceId, randomHex(16), { service_id: foreign, operation_name: 'not ours' });
    const batch = zstdBatch({
      traces: [record],
      span_columns: [{ ...spanColumnsOf([root, stray]), unknown_column: ['x', 'y'] } as SpanColumns, spanColumnsOf([child])],
    });
    expect(await send(batch)).toEqual({ batch_id: batch.batch_id, accepted: true });

    const trace = await get(`/api/v1/traces/${columnsTraceId}`);
    expect(trace).toMatchObject({ span_count: 3, error_count: 1, root_operation: 'GET /columns' });
    const shown = (id: string) => trace.spans.find((candidate: TraceSpan) => candidate.span_id === id);
    expect(shown(root.span_id)).toMatchObject({ status: { code: 'error', message: 'timeout' }, events: root.events, attributes: { 'http.status_code': '500' } });
    expect(shown(child.span_id)).toMatchObject({ parent_span_id: root.span_id, span_kind: 'client' });
    expect(shown(record.span_id)).toMatchObject({ operation_name: 'as a record' });
    expect(shown(stray.span_id)).toBeUndefined();
  });

  it('refuses a batch whose span columns disagree on the number of spans, or hold a bad value, and stores none of it', async () => {
    const badTraceId = randomHex(32);
    const columns = spanColumnsOf([span(badTraceId, randomHex(16)), span(badTraceId, randomHex(16))]);
    const before = await count(`SELECT count() AS n FROM traces WHERE trace_id = '${badTraceId}'`);
    const short = zstdBatch({ span_columns: [{ ...columns, span_id: columns.span_id.slice(1) }] });
    expect(await send(short)).toMatchObject({ accepted: false, error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('one value per span') } });
    const badId = zstdBatch({ span_columns: [{ ...columns, trace_id: [badTraceId, 'not hex'] }] });
    expect(await send(badId)).toMatchObject({ accepted: false, error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('span_columns.0.trace_id.1') } });
    expect(await count(`SELECT count() AS n FROM traces WHERE trace_id = '${badTraceId}'`)).toBe(before);
    expect(agent.closeCode).toBeNull();
  });

  it('reopens a resolved issue as regressed when a newer release throws it again; an ignored one stays quiet', async () => {
    const [checkout, payment] = await issuesOf();
    const patch = (id: string, status: string) => api.app.inject({ method: 'PATCH', url: `/api/v1/issues/${id}`, headers: owner, payload: { status } });
    expect((await patch(checkout.id, 'resolved')).statusCode).toBe(200);
    expect((await patch(payment.id, 'ignored')).statusCode).toBe(200);
    const status = async (id: string) => (await get(`/api/v1/issues/${id}`)).status;

    // An instance still running the old release is not a regression.
    await send(zstdBatch({ errors: [errorEvent(serviceId, deploymentId, { release: '1.0.0' })] }));
    expect(await status(checkout.id)).toBe('resolved');

    await send(zstdBatch({
      errors: [
        errorEvent(serviceId, deploymentId, { release: '2.0.0' }),
        errorEvent(serviceId, deploymentId, { release: '2.0.0', type: 'PaymentError', message: 'card declined', stack_trace: paymentStack() }),
      ],
    }));
    expect(await status(checkout.id)).toBe('regressed');
    expect(await status(payment.id)).toBe('ignored');
    expect((await get(`/api/v1/issues/${payment.id}`)).event_count).toBe(2);
  });

  it('drops what an agent reports for services that are not on its server', async () => {
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const elsewhere = await createServer(db, orgId, 'other-host');
    const foreign = (
      await db.insertInto('services').values({ project_id: projectId, server_id: elsewhere.server.id, name: 'billing', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const batch = zstdBatch({
      errors: [errorEvent(foreign, deploymentId)],
      logs: [{ timestamp: new Date().toISOString(), service_id: foreign, deployment_id: deploymentId, level: 'info', message: 'hello', attributes: {}, source: 'stdout' }],
      health_checks: [{ service_id: foreign, timestamp: new Date().toISOString(), is_healthy: true, response_time_ms: 1 }],
    });
    expect(await send(batch)).toMatchObject({ accepted: true });
    expect((await issuesOf()).filter((issue: any) => issue.service_id === foreign)).toEqual([]);
    expect(await count(`SELECT count() AS n FROM logs WHERE service_id = '${foreign}'`)).toBe(0);
    expect(await db.selectFrom('health_checks').select('id').where('service_id', '=', foreign).execute()).toEqual([]);
  });

  it('stores a 1.0 agent\'s (uncompressed) batches without acknowledging them', async () => {
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const old = await createServer(db, orgId, 'old-agent-host');
    const oldService = (
      await db.insertInto('services').values({ project_id: projectId, server_id: old.server.id, name: 'legacy', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const oldAgent = await FakeAgent.connect(baseUrl, old.token, old.server.id);
    try {
      expect((await oldAgent.hello({ protocol_version: '1.0', min_supported: '1.0' })).payload).toMatchObject({ protocol_version: '1.0' });
      // Uncompressed, as the contract also allows.
      const batch = {
        batch_id: randomUUID(),
        agent_id: toAgentProtocolId(old.server.id),
        compression: 'none',
        data: { ...emptyTelemetry, health_checks: [{ service_id: oldService, timestamp: new Date().toISOString(), is_healthy: true, response_time_ms: 3 }] },
      };
      oldAgent.send('telemetry_batch', batch);
      await expect.poll(async () => (await db.selectFrom('health_checks').select('id').where('service_id', '=', oldService).execute()).length).toBe(1);
      // A round trip after the store: an ack, had one been sent, would have arrived before the pong.
      oldAgent.send('ping', { nonce: 'after-store', sent_at: new Date().toISOString() });
      await oldAgent.next('pong');
      expect(oldAgent.received.filter((message) => message.type === 'telemetry_ack')).toEqual([]);
    } finally {
      await oldAgent.close();
    }
  });

  it('inserts into ClickHouse once enough rows are buffered, else when the delay ends or on flush', async () => {
    const { client } = api.platform.clickhouse;
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS writer_probe (n UInt32) ENGINE = MergeTree ORDER BY n' });
    const writer = new ClickHouseBatchWriter<{ n: number }>(client, 'writer_probe', jsonRows, { maxRows: 3, minRows: 3, lingerMs: 60_000, maxDelayMs: 60_000, maxConcurrentInserts: 1 });
    let small = false;
    const pending = writer.write([{ n: 1 }]).then(() => (small = true));
    await writer.write([{ n: 2 }, { n: 3 }]);
    expect(await count('SELECT count() AS n FROM writer_probe')).toBe(3);
    await pending;
    expect(small).toBe(true);
    const late = writer.write([{ n: 4 }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await count('SELECT count() AS n FROM writer_probe')).toBe(3);
    await writer.flush();
    await late;
    expect(await count('SELECT count() AS n FROM writer_probe')).toBe(4);
  });

  it('runs at most maxConcurrentInserts inserts at once, and rows arriving meanwhile make up the next insert', async () => {
    const { client } = api.platform.clickhouse;
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS writer_slots (n UInt32) ENGINE = MergeTree ORDER BY n' });
    let running = 0;
    let mostAtOnce = 0;
    let inserts = 0;
    // The real client, its inserts held up a little so that writes pile up behind them.
    const slow = new Proxy(client, {
      get: (target, property, receiver) =>
        property === 'exec'
          ? async (params: Parameters<typeof client.exec>[0]) => {
              running += 1;
              inserts += 1;
              mostAtOnce = Math.max(mostAtOnce, running);
              await new Promise((resolve) => setTimeout(resolve, 100));
              try {
                return await target.exec(params);
              } finally {
                running -= 1;
              }
            }
          : Reflect.get(target, property, receiver),
    });
    const writer = new ClickHouseBatchWriter<{ n: number }>(slow, 'writer_slots', jsonRows, { maxRows: 1, minRows: 1, lingerMs: 60_000, maxDelayMs: 60_000, maxConcurrentInserts: 2 });
    await Promise.all(Array.from({ length: 8 }, (_, index) => writer.write([{ n: index }])));
    await writer.flush();
    expect(await count('SELECT count() AS n FROM writer_slots')).toBe(8);
    expect(mostAtOnce).toBe(2);
    expect(inserts).toBeLessThan(8);
  });

  it('lets a few rows wait for the long delay, and rows enough for an insert only linger briefly for more', async () => {
    const { client } = api.platform.clickhouse;
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS writer_linger (n UInt32) ENGINE = MergeTree ORDER BY n' });
    const writer = new ClickHouseBatchWriter<{ n: number }>(client, 'writer_linger', jsonRows, { maxRows: 100, minRows: 3, lingerMs: 50, maxDelayMs: 60_000, maxConcurrentInserts: 2 });
    const first = writer.write([{ n: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await count('SELECT count() AS n FROM writer_linger')).toBe(0);
    // Three rows now: the flush planned 60 s out is brought forward to the linger, and both writes resolve.
    await Promise.all([first, writer.write([{ n: 2 }, { n: 3 }])]);
    expect(await count('SELECT count() AS n FROM writer_linger')).toBe(3);
  });
});
