import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHILD_SPAN_ID, collector, DEPLOYMENT_ID, protobuf, receiverUnderTest, ROOT_SPAN_ID, SERVICE_ID, taggedResource, TRACE_ID } from './otlp-support.js';
import { spooledData, testReceiver } from './support.js';

/** One OTLP/JSON logs request from the tagged resource. */
const logsRequest = (logRecords: unknown[]) => ({ resourceLogs: [{ resource: taggedResource, scopeLogs: [{ logRecords }] }] });

const receiver = receiverUnderTest();
const { post } = receiver;

describe('OTLP/HTTP receiver', () => {
  it('takes JSON spans, tags them from resource attributes, and reports the untagged ones in partial_success', async () => {
    const request = {
      resourceSpans: [
        {
          resource: taggedResource,
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE_ID,
                  spanId: CHILD_SPAN_ID,
                  parentSpanId: ROOT_SPAN_ID,
                  name: 'SELECT orders',
                  kind: 3,
                  startTimeUnixNano: '1700000000100000000',
                  endTimeUnixNano: '1700000000350000000',
                  attributes: [
                    { key: 'db.system', value: { stringValue: 'postgresql' } },
                    { key: 'db.rows', value: { intValue: '42' } },
                    { key: 'db.cached', value: { boolValue: false } },
                    { key: 'db.tables', value: { arrayValue: { values: [{ stringValue: 'orders' }] } } },
                  ],
                  status: { code: 2, message: 'deadlock detected' },
                  events: [{ timeUnixNano: '1700000000200000000', name: 'retry', attributes: [] }],
                },
              ],
            },
          ],
        },
        { resource: { attributes: [] }, scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: ROOT_SPAN_ID, name: 'GET /', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] },
      ],
    };
    const response = await post('/v1/traces', JSON.stringify(request), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    const answer = JSON.parse(response.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedSpans).toBe('1');
    expect(answer.partialSuccess.errorMessage).toContain('syntra.service_id');

    const spans = (await spooledData(receiver.spool)).traces.filter((span) => span.span_id === CHILD_SPAN_ID);
    expect(spans).toEqual([
      {
        trace_id: TRACE_ID,
        span_id: CHILD_SPAN_ID,
        parent_span_id: ROOT_SPAN_ID,
        service_id: SERVICE_ID,
        deployment_id: DEPLOYMENT_ID,
        operation_name: 'SELECT orders',
        span_kind: 'client',
        start_time_ns: 1700000000100000000,
        duration_ns: 250_000_000,
        status: { code: 'error', message: 'deadlock detected' },
        attributes: { 'db.system': 'postgresql', 'db.rows': 42, 'db.cached': false, 'db.tables': '["orders"]' },
        events: [{ name: 'retry', timestamp_ns: 1700000000200000000, attributes: {} }],
      },
    ]);
  });

  it('keeps odd but valid spans as records the contract accepts, and refuses each invalid span on its own', async () => {
    const span = (spanId: string, overrides: Record<string, unknown> = {}) => ({
      traceId: TRACE_ID.toUpperCase(),
      spanId,
      parentSpanId: '',
      name: `span ${spanId}`,
      startTimeUnixNano: '18446744073709551615',
      endTimeUnixNano: '18446744073709551615',
      ...overrides,
    });
    let deep: unknown = { stringValue: 'bottom' };
    for (let level = 0; level < 9; level += 1) deep = { arrayValue: { values: [deep] } };
    const kept = [
      span('0000000000000001'),
      span('0000000000000002', { attributes: [{ key: 'ratio', value: { doubleValue: 'NaN' } }, { key: 'big', value: { intValue: '-9223372036854775808' } }] }),
      span('0000000000000003', { kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR' }, events: [{ name: 'e' }] }),
    ];
    const refused = [
      span('0000000000000004', { traceId: 'not-hex' }),
      span('0000000000000005', { name: '' }),
      span('0000000000000006', { name: 5 }),
      span('0000000000000007', { startTimeUnixNano: '-1' }),
      span('0000000000000008', { attributes: [{ key: 'deep', value: deep }] }),
      'not a span',
    ];
    const request = {
      resourceSpans: [
        { resource: taggedResource, scopeSpans: [{ spans: [...kept, ...refused] }] },
        { resource: { attributes: [{ key: 'syntra.service_id', value: { stringValue: 'not-a-uuid' } }] }, scopeSpans: [{ spans: [span('0000000000000009')] }] },
      ],
    };
    const response = await post('/v1/traces', JSON.stringify(request), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    const answer = JSON.parse(response.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedSpans).toBe(String(refused.length + 1));

    // spooledData decodes with the contract's schema, as the control plane does: a record it refused would fail here.
    const spans = (await spooledData(receiver.spool)).traces.filter((record) => record.trace_id === TRACE_ID && record.span_id.startsWith('000000000000000'));
    expect(spans.map((record) => record.span_id).sort()).toEqual(['0000000000000001', '0000000000000002', '0000000000000003']);
    const byId = new Map(spans.map((record) => [record.span_id, record]));
    expect(byId.get('0000000000000001')).toMatchObject({ duration_ns: 0, start_time_ns: 18446744073709551615 });
    expect(byId.get('0000000000000001')).not.toHaveProperty('parent_span_id');
    expect(byId.get('0000000000000002')!.attributes).toEqual({ ratio: 'NaN', big: -9223372036854775808 });
    expect(byId.get('0000000000000003')).toMatchObject({ span_kind: 'server', status: { code: 'error' }, events: [{ name: 'e', timestamp_ns: 0, attributes: {} }] });
  });

  it('maps log severities, bodies and trace context', async () => {
    const marker = randomUUID();
    const request = logsRequest([
      { timeUnixNano: '1700000002000000000', severityNumber: 17, body: { stringValue: `payment failed ${marker}` }, traceId: TRACE_ID, spanId: CHILD_SPAN_ID },
      { observedTimeUnixNano: '1700000003000000000', severityText: 'WARNING', body: { kvlistValue: { values: [{ key: 'marker', value: { stringValue: marker } }] } } },
    ]);
    const response = await post('/v1/logs', JSON.stringify(request), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({});
    const logs = (await spooledData(receiver.spool)).logs.filter((entry) => entry.message.includes(marker));
    expect(logs).toEqual([
      {
        timestamp: '2023-11-14T22:13:22.000Z',
        service_id: SERVICE_ID,
        deployment_id: DEPLOYMENT_ID,
        level: 'error',
        message: `payment failed ${marker}`,
        attributes: {},
        trace_id: TRACE_ID,
        span_id: CHILD_SPAN_ID,
        source: 'sdk',
      },
      expect.objectContaining({ timestamp: '2023-11-14T22:13:23.000Z', level: 'warn', message: JSON.stringify({ marker }) }),
    ]);
  });

  it("takes OTLP's empty value and scalar bodies (an empty AnyValue once recursed without end: 500)", async () => {
    const marker = randomUUID();
    const request = logsRequest([
      { timeUnixNano: '1700000004000000000', body: {}, attributes: [{ key: 'marker', value: { stringValue: marker } }, { key: 'empty', value: {} }] },
      { timeUnixNano: '1700000005000000000', body: { intValue: '42' }, attributes: [{ key: 'marker', value: { stringValue: marker } }] },
    ]);
    const response = await post('/v1/logs', JSON.stringify(request), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    const logs = (await spooledData(receiver.spool)).logs.filter((entry) => entry.attributes.marker === marker);
    expect(logs.map((entry) => [entry.message, entry.attributes.empty])).toEqual([
      ['', ''],
      ['42', undefined],
    ]);
  });

  it('maps gauges, monotonic sums and histograms from protobuf, and refuses summaries in partial_success', async () => {
    const point = (value: Record<string, unknown>) => ({ timeUnixNano: '1700000004000000000', attributes: [{ key: 'route', value: { stringValue: '/pay' } }], ...value });
    const body = protobuf('metrics', 'ExportMetricsServiceRequest', {
      resourceMetrics: [
        {
          resource: taggedResource,
          scopeMetrics: [
            {
              metrics: [
                { name: 'queue.depth', gauge: { dataPoints: [point({ asDouble: 7.5 })] } },
                { name: 'http.requests', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [point({ asInt: '12' })] } },
                {
                  name: 'http.duration',
                  histogram: { aggregationTemporality: 2, dataPoints: [point({ count: '6', sum: 2.5, bucketCounts: ['1', '2', '3'], explicitBounds: [0.1, 1] })] },
                },
                { name: 'gc.pause', summary: { dataPoints: [point({ count: '1', sum: 1 })] } },
              ],
            },
          ],
        },
      ],
    });
    const response = await post('/v1/metrics', body, { 'content-type': 'application/x-protobuf' });
    expect(response.status).toBe(200);
    const answer = collector.metrics!.v1.ExportMetricsServiceResponse!;
    expect(answer.toObject(answer.decode(response.body), { longs: String })).toMatchObject({ partialSuccess: { rejectedDataPoints: '1' } });

    const metrics = (await spooledData(receiver.spool)).metrics.filter((metric) => metric.service_id === SERVICE_ID);
    const common = { timestamp: '2023-11-14T22:13:24.000Z', service_id: SERVICE_ID, labels: { route: '/pay' } };
    expect(metrics).toEqual([
      { ...common, name: 'queue.depth', type: 'gauge', value: 7.5 },
      { ...common, name: 'http.requests', type: 'counter', value: 12 },
      { ...common, name: 'http.duration', type: 'histogram', value: 2.5, histogram_buckets: [{ le: 0.1, count: 1 }, { le: 1, count: 3 }] },
    ]);
  });

  it('answers 400 to malformed bodies and 415 to other content types', async () => {
    expect((await post('/v1/traces', '{"resourceSpans": [', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await post('/v1/traces', '{"resourceSpans": "none"}', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await post('/v1/logs', Buffer.from([0x0a, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' })).status).toBe(400);
    expect((await post('/v1/metrics', Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await post('/v1/traces', 'hello', { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('answers 413 to a body over 20 MiB, and to a small gzip body that inflates beyond it', async () => {
    const big = Buffer.alloc(21 * 1024 * 1024, 0x20);
    expect((await post('/v1/traces', big, { 'content-type': 'application/json' })).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect((await post('/v1/traces', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(413);
    // The receiver still serves.
    expect((await post('/v1/traces', '{}', { 'content-type': 'application/json' })).status).toBe(200);
  });

  it('answers 429 with Retry-After once the spool is full', async () => {
    const small = await testReceiver({ maxBytes: 4 * 1024 });
    try {
      const logs = logsRequest([{ severityNumber: 9, body: { stringValue: 'x'.repeat(900) } }]);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const response = await fetch(small.url('/v1/logs'), { method: 'POST', body: JSON.stringify(logs), headers: { 'content-type': 'application/json' } });
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
      }
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(statuses.at(-1)).toBe(429);
      expect(retryAfter).toBe('5');
      const accepted = statuses.filter((status) => status === 200).length;
      // Exactly what was answered 200 is in the spool, and the refused records are counted as dropped logs.
      expect((await spooledData(small.spool)).logs).toHaveLength(accepted);
      expect(small.spool.takeDropped().logs).toBe(10 - accepted);
    } finally {
      await small.close();
    }
  });
});
