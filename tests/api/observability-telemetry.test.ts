import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiResponse, LogEntry, MetricSeries, ServiceRequestStats, Trace, TraceSummary } from '../../contracts/index.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';
import { insertLogs, insertMetrics, insertSpans, projectWithServices } from './observability-fixtures.js';

const minute = 60_000;
// Minute-aligned and well in the past, so default windows ending now never reach the seeds by accident.
const base = Math.floor((Date.now() - 3 * 3600_000) / minute) * minute;
const iso = (millis: number) => new Date(millis).toISOString();
const hex = (digit: string, length: number) => digit.repeat(length);

describe('traces, metrics and logs from ClickHouse', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Record<string, string>;
  let serviceId: string;
  let siblingServiceId: string;
  let serverId: string;
  let foreignServiceId: string;
  let foreignToken: Record<string, string>;

  const get = (url: string, headers = owner) => api.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    api = await startTestApi('observability-telemetry');
    owner = bearer(api.ownerToken);
    const { db, clickhouse } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const ours = await projectWithServices(db, orgId, 2);
    [serviceId, siblingServiceId] = ours.services.map((service) => service.id) as [string, string];
    serverId = ours.server.id;
    const other = await otherOrganization(db, 'obs-telemetry-other');
    foreignToken = bearer(other.ownerToken);
    foreignServiceId = (await projectWithServices(db, other.org.id, 1)).services[0]!.id;

    await insertSpans(clickhouse.client, [
      // A slow checkout whose payment call failed, entering through `serviceId` and calling its sibling.
      { traceId: hex('a', 32), spanId: hex('1', 16), serviceId, operation: 'POST /checkout', startMillis: base + 1000, durationMs: 120, status: 'ok' },
      { traceId: hex('a', 32), spanId: hex('2', 16), parentSpanId: hex('1', 16), serviceId, operation: 'charge card', startMillis: base + 1010, durationMs: 80, status: 'error' },
      { traceId: hex('a', 32), spanId: hex('3', 16), parentSpanId: hex('2', 16), serviceId: siblingServiceId, operation: 'INSERT payments', startMillis: base + 1020, durationMs: 30 },
      // A fast, healthy page view a minute later.
      { traceId: hex('b', 32), spanId: hex('4', 16), serviceId, operation: 'GET /home', startMillis: base + minute, durationMs: 5, status: 'ok' },
      // Two days old: outside the default search window.
      { traceId: hex('f', 32), spanId: hex('8', 16), serviceId, operation: 'GET /old', startMillis: base - 48 * 3600_000, durationMs: 3 },
      // Another organization's trace.
      { traceId: hex('c', 32), spanId: hex('5', 16), serviceId: foreignServiceId, operation: 'GET /secret', startMillis: base, durationMs: 1 },
    ]);
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('GET /services/:id/traces', () => {
    const traces = async (query: string) => {
      const response = await get(`/api/v1/services/${serviceId}/traces?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return apiResponse(z.array(TraceSummary)).parse(response.json()).data;
    };

    it('summarises each trace from the service, newest first', async () => {
      const found = await traces(`from=${iso(base - minute)}`);
      expect(found.map((trace) => trace.trace_id)).toEqual([hex('b', 32), hex('a', 32)]);
      expect(found[1]).toMatchObject({
        service_id: serviceId,
        root_operation: 'POST /checkout',
        start_time: iso(base + 1000).replace('Z', '000000Z'),
        duration_ms: 120,
        span_count: 2,
        error_count: 1,
        status: 'ok',
      });
    });

    it('filters by duration, status, operation and time range', async () => {
      const ids = async (query: string) => (await traces(query)).map((trace) => trace.trace_id);
      expect(await ids('min_duration_ms=100')).toEqual([hex('a', 32)]);
      expect(await ids('max_duration_ms=10')).toEqual([hex('b', 32)]);
      expect(await ids('min_duration_ms=5&max_duration_ms=5')).toEqual([hex('b', 32)]);
      expect(await ids('status=error')).toEqual([hex('a', 32)]);
      expect(await ids('status=ok')).toEqual([hex('b', 32)]);
      expect(await ids('operation=GET%20/home')).toEqual([hex('b', 32)]);
      expect(await ids('operation=charge%20card')).toEqual([]);
      expect(await ids(`from=${iso(base + 30_000)}`)).toEqual([hex('b', 32)]);
      expect(await ids(`to=${iso(base + 30_000)}`)).toEqual([hex('a', 32)]);
      expect(await ids('limit=1')).toEqual([hex('b', 32)]);
      expect(await ids('')).not.toContain(hex('f', 32));
      expect(await ids(`from=${iso(base - 72 * 3600_000)}`)).toContain(hex('f', 32));
      // The default window would start before 1970, where ClickHouse's DateTime ends.
      expect(await ids('to=1970-01-01T00:00:01Z')).toEqual([]);
    });

    it('answers 400 naming the bad filter', async () => {
      for (const [query, path] of [
        ['status=broken', 'query.status'],
        ['min_duration_ms=-1', 'query.min_duration_ms'],
        ['max_duration_ms=1e300', 'query.max_duration_ms'],
        ['min_duration_ms=10&max_duration_ms=5', 'query.min_duration_ms'],
        [`from=${iso(base)}&to=${iso(base - 1)}`, 'query.from'],
        ['from=yesterday', 'query.from'],
        ['limit=0', 'query.limit'],
      ]) {
        const response = await get(`/api/v1/services/${serviceId}/traces?${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(response.json().error.details.map((fault: { path: string }) => fault.path), query).toContain(path);
      }
    });

    it("answers 404 for another organization's service", async () => {
      expect((await get(`/api/v1/services/${foreignServiceId}/traces`)).statusCode).toBe(404);
      expect((await get(`/api/v1/services/${serviceId}/traces`, foreignToken)).statusCode).toBe(404);
    });
  });

  describe('GET /traces/:id', () => {
    it('returns every span across the services, in start order, with parent links and events', async () => {
      const response = await get(`/api/v1/traces/${hex('a', 32)}`);
      expect(response.statusCode, response.body).toBe(200);
      const trace = apiResponse(Trace).parse(response.json()).data;
      expect(trace.spans.map((span) => [span.span_id, span.parent_span_id, span.service_id])).toEqual([
        [hex('1', 16), undefined, serviceId],
        [hex('2', 16), hex('1', 16), serviceId],
        [hex('3', 16), hex('2', 16), siblingServiceId],
      ]);
      expect(trace).toMatchObject({ root_operation: 'POST /checkout', span_count: 3, error_count: 1, duration_ms: 120, status: 'ok' });
      expect(trace.spans[1]).toMatchObject({ status: { code: 'error', message: 'boom' }, duration_ns: 80_000_000 });
      expect(trace.spans[0]!.events).toEqual([{ name: 'retry', timestamp_ns: (base + 1000) * 1e6, attributes: { attempt: 1 } }]);
    });

    it("answers 404 for another organization's trace and for one that does not exist, 400 for a malformed id", async () => {
      expect((await get(`/api/v1/traces/${hex('c', 32)}`)).statusCode).toBe(404);
      expect((await get(`/api/v1/traces/${hex('a', 32)}`, foreignToken)).statusCode).toBe(404);
      expect((await get(`/api/v1/traces/${hex('d', 32)}`)).statusCode).toBe(404);
      expect((await get('/api/v1/traces/not-a-trace')).statusCode).toBe(400);
    });

    it("shows a project token only its project's spans", async () => {
      const { db } = api.platform;
      const orgId = (await bootstrappedOrganization(db)).id;
      const elsewhere = await projectWithServices(db, orgId, 1);
      await insertSpans(api.platform.clickhouse.client, [
        { traceId: hex('e', 32), spanId: hex('6', 16), serviceId, operation: 'GET /proxy', startMillis: base, durationMs: 10 },
        { traceId: hex('e', 32), spanId: hex('7', 16), parentSpanId: hex('6', 16), serviceId: elsewhere.services[0]!.id, operation: 'GET /upstream', startMillis: base + 1, durationMs: 5 },
      ]);
      const projectToken = bearer((await addMember(db, orgId, 'viewer', { projectId: elsewhere.project.id })).token);
      const trace = (await get(`/api/v1/traces/${hex('e', 32)}`, projectToken)).json().data;
      expect(trace.spans.map((span: { span_id: string }) => span.span_id)).toEqual([hex('7', 16)]);
      expect(trace.root_operation).toBe('GET /upstream');
    });
  });

  describe('GET /services/:id/metrics and /servers/:id/metrics', () => {
    beforeAll(async () => {
      const client = api.platform.clickhouse.client;
      // Two inserts land in separate parts: the reader must merge them, not pick one.
      await insertMetrics(client, [
        { serviceId, serverId, name: 'cpu_percent', millis: base + 5_000, value: 10 },
        { serviceId, serverId, name: 'cpu_percent', millis: base + 50_000, value: 30 },
        { serviceId, serverId, name: 'cpu_percent', millis: base + 6 * minute, value: 50 },
        { serviceId, serverId, name: 'memory_mb', millis: base + 5_000, value: 256 },
      ]);
      await insertMetrics(client, [
        { serviceId, serverId, name: 'cpu_percent', millis: base + 20_000, value: 20 },
        { serviceId: siblingServiceId, serverId, name: 'cpu_percent', millis: base + 5_000, value: 90 },
      ]);
    });
    const range = `from=${iso(base)}&to=${iso(base + 10 * minute)}`;
    const series = async (url: string) => {
      const response = await get(url);
      expect(response.statusCode, response.body).toBe(200);
      return apiResponse(z.array(MetricSeries)).parse(response.json()).data;
    };

    it('returns one series per metric with min, max, sum, count and their average per minute', async () => {
      const found = await series(`/api/v1/services/${serviceId}/metrics?${range}&interval=1m`);
      expect(found.map((entry) => entry.name)).toEqual(['cpu_percent', 'memory_mb']);
      expect(found[0]).toMatchObject({ type: 'gauge', service_id: serviceId, server_id: serverId, labels: {} });
      expect(found[0]!.points).toEqual([
        { timestamp: iso(base), min: 10, max: 30, avg: 20, sum: 60, count: 3 },
        { timestamp: iso(base + 6 * minute), min: 50, max: 50, avg: 50, sum: 50, count: 1 },
      ]);
    });

    it('re-buckets to 5 minutes and 1 hour, and keeps only the metrics asked for', async () => {
      const fiveMinutes = await series(`/api/v1/services/${serviceId}/metrics?${range}&interval=5m&metrics=cpu_percent`);
      expect(fiveMinutes).toHaveLength(1);
      expect(fiveMinutes[0]!.points.map((point) => [point.timestamp, point.count, point.max])).toEqual([
        [iso(base - (base % (5 * minute))), 3, 30],
        [iso(base + 6 * minute - ((base + 6 * minute) % (5 * minute))), 1, 50],
      ]);
      const hourly = await series(`/api/v1/services/${serviceId}/metrics?from=${iso(base)}&to=${iso(base + 3600_000)}&interval=1h&metrics=cpu_percent`);
      expect(hourly[0]!.points.reduce((total, point) => total + point.count, 0)).toBe(4);
    });

    it("gives a server's series for every service on it", async () => {
      const found = await series(`/api/v1/servers/${serverId}/metrics?${range}&interval=1h`);
      expect(found.filter((entry) => entry.name === 'cpu_percent').map((entry) => entry.service_id).sort()).toEqual(
        [serviceId, siblingServiceId].sort(),
      );
    });

    it("shows a project token the server's host series and its own services', not other projects'", async () => {
      const { db, clickhouse } = api.platform;
      const orgId = (await bootstrappedOrganization(db)).id;
      const neighbour = await db
        .insertInto('projects')
        .values({ org_id: orgId, name: 'neighbour', slug: 'neighbour' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const neighbourService = await db
        .insertInto('services')
        .values({ project_id: neighbour.id, server_id: serverId, name: 'neighbour-svc', source_type: 'nixpacks' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await insertMetrics(clickhouse.client, [
        { serviceId: neighbourService.id, serverId, name: 'cpu_percent', millis: base + 5_000, value: 70 },
        { serviceId: '00000000-0000-0000-0000-000000000000', serverId, name: 'host_load', millis: base + 5_000, value: 1.5 },
      ]);
      const neighbourToken = bearer((await addMember(db, orgId, 'viewer', { projectId: neighbour.id })).token);
      const response = await get(`/api/v1/servers/${serverId}/metrics?${range}&interval=1h`, neighbourToken);
      expect(response.statusCode, response.body).toBe(200);
      const seen = apiResponse(z.array(MetricSeries)).parse(response.json()).data.map((entry) => [entry.name, entry.service_id]);
      expect(seen).toEqual([['cpu_percent', neighbourService.id], ['host_load', null]]);
    });

    it('answers 400 for a range with too many points or running backwards, 404 across organizations', async () => {
      const tooLong = await get(`/api/v1/services/${serviceId}/metrics?from=${iso(base - 30 * 24 * 3600_000)}&to=${iso(base)}&interval=1m`);
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json().error.details[0].path).toBe('query.interval');
      expect((await get(`/api/v1/services/${serviceId}/metrics?interval=1d`)).statusCode).toBe(400);
      expect((await get(`/api/v1/servers/${serverId}/metrics?from=${iso(base + 60_000)}&to=${iso(base)}`)).statusCode).toBe(400);
      // An empty window, as two bounds beyond 2299 read as its end, is a question with no points.
      expect((await get(`/api/v1/servers/${serverId}/metrics?from=${iso(base)}&to=${iso(base)}`)).json().data).toEqual([]);
      expect((await get(`/api/v1/servers/${serverId}/metrics?from=3000-01-01T00:00:00Z&to=3001-01-01T00:00:00Z`)).json().data).toEqual([]);
      expect((await get(`/api/v1/services/${serviceId}/metrics?to=1970-01-01T00:00:30Z`)).json().data).toEqual([]);
      expect((await get(`/api/v1/services/${serviceId}/metrics`, foreignToken)).statusCode).toBe(404);
      expect((await get(`/api/v1/servers/${serverId}/metrics`, foreignToken)).statusCode).toBe(404);
    });
  });

  describe('GET /services/:id/request-stats', () => {
    let statsServiceId: string;

    beforeAll(async () => {
      const { db, clickhouse } = api.platform;
      statsServiceId = (await projectWithServices(db, (await bootstrappedOrganization(db)).id, 1)).services[0]!.id;
      const root = (index: number, startMillis: number, durationMs: number, status: 'ok' | 'error' = 'ok') => ({
        traceId: `${index}`.padStart(32, 'd'), spanId: `${index}`.padStart(16, 'e'), serviceId: statsServiceId, operation: 'GET /', startMillis, durationMs, status,
      });
      await insertSpans(clickhouse.client, [
        root(1, base, 10),
        root(2, base + 1000, 20),
        root(3, base + 2000, 30),
        root(4, base + 3000, 40, 'error'),
        root(5, base + minute, 100, 'error'),
        // A call inside a request is not a request.
        { ...root(5, base + minute + 10, 1000), spanId: 'f'.repeat(16), parentSpanId: `${5}`.padStart(16, 'e') },
      ]);
    });

    it('counts root spans per interval with their failures and latency percentiles, and over the whole window', async () => {
      const response = await get(`/api/v1/services/${statsServiceId}/request-stats?from=${iso(base - minute)}&to=${iso(base + 2 * minute)}&interval=1m`);
      expect(response.statusCode, response.body).toBe(200);
      const stats = apiResponse(ServiceRequestStats).parse(response.json()).data;
      expect(stats).toMatchObject({ interval_seconds: 60, requests: 5, errors: 2, error_rate: 0.4, p50_ms: 30, p95_ms: 100, p99_ms: 100 });
      expect(stats.points).toEqual([
        { timestamp: iso(base), requests: 4, errors: 1, p50_ms: 30, p95_ms: 40, p99_ms: 40 },
        { timestamp: iso(base + minute), requests: 1, errors: 1, p50_ms: 100, p95_ms: 100, p99_ms: 100 },
      ]);
    });

    it('answers a window without requests with zeros and no rates, 400 for too many intervals, 404 across organizations', async () => {
      const empty = await get(`/api/v1/services/${statsServiceId}/request-stats?from=${iso(base - 10 * minute)}&to=${iso(base - minute)}`);
      expect(empty.json().data).toEqual({ interval_seconds: 60, requests: 0, errors: 0, error_rate: null, p50_ms: null, p95_ms: null, p99_ms: null, points: [] });
      const tooLong = await get(`/api/v1/services/${statsServiceId}/request-stats?from=${iso(base - 30 * 24 * 3600_000)}&to=${iso(base)}&interval=1m`);
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json().error.details[0].path).toBe('query.interval');
      expect((await get(`/api/v1/services/${statsServiceId}/request-stats`, foreignToken)).statusCode).toBe(404);
    });
  });

  describe('GET /services/:id/logs', () => {
    beforeAll(async () => {
      await insertLogs(api.platform.clickhouse.client, [
        { serviceId, millis: base + 1000, level: 'debug', message: 'cache warm' },
        { serviceId, millis: base + 2000, level: 'info', message: 'Order 17 PLACED' },
        { serviceId, millis: base + 3000, level: 'warn', message: 'payment slow' },
        // Three lines in the very same nanosecond: pages must split them without loss or repeat.
        { serviceId, millis: base + 4000, extraNanos: 7, level: 'error', message: 'payment failed: card declined' },
        { serviceId, millis: base + 4000, extraNanos: 7, level: 'error', message: 'payment failed: timeout' },
        { serviceId, millis: base + 4000, extraNanos: 7, level: 'fatal', message: 'worker crashed' },
        { serviceId, millis: base + 5000, level: 'info', message: 'order 18 placed' },
        { serviceId: siblingServiceId, millis: base + 5000, level: 'error', message: 'not this service' },
      ]);
    });
    const logs = async (query: string) => {
      const response = await get(`/api/v1/services/${serviceId}/logs?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return apiResponse(z.array(LogEntry)).parse(response.json());
    };

    it('lists the newest first, with nanosecond timestamps', async () => {
      const { data, meta } = await logs('');
      expect(data.map((entry) => entry.message)).toHaveLength(7);
      expect(data[0]!.message).toBe('order 18 placed');
      expect(data.at(-1)!.message).toBe('cache warm');
      expect(data.find((entry) => entry.message === 'worker crashed')!.timestamp).toBe(iso(base + 4000).replace('Z', '000007Z'));
      expect(meta?.cursor).toBeUndefined();
    });

    it('filters by level and above, by text in any case, and by time range', async () => {
      const messages = async (query: string) => (await logs(query)).data.map((entry) => entry.message);
      expect((await messages('level=error')).sort()).toEqual(['payment failed: card declined', 'payment failed: timeout', 'worker crashed']);
      expect(await messages('level=warn')).toHaveLength(4);
      expect(await messages('search=ORDER')).toEqual(['order 18 placed', 'Order 17 PLACED']);
      expect(await messages('search=payment&level=error')).toHaveLength(2);
      expect(await messages(`from=${iso(base + 2000)}&to=${iso(base + 4000)}`)).toEqual(['payment slow', 'Order 17 PLACED']);
    });

    it('pages with a cursor through every line exactly once, splitting lines of one nanosecond', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await logs(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.data.map((entry) => entry.message));
        cursor = page.meta?.cursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(4);
      expect(seen).toEqual((await logs('')).data.map((entry) => entry.message));
    });

    it('answers 400 for a bad cursor or level, 404 across organizations', async () => {
      expect((await get(`/api/v1/services/${serviceId}/logs?cursor=bm9wZQ`)).statusCode).toBe(400);
      expect((await get(`/api/v1/services/${serviceId}/logs?level=verbose`)).statusCode).toBe(400);
      expect((await get(`/api/v1/services/${serviceId}/logs`, foreignToken)).statusCode).toBe(404);
    });
  });
});
