import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import otlpRoot from '@opentelemetry/otlp-transformer/build/esm/generated/root.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, spooledData, testReceiver } from './support.js';

interface GeneratedMessage {
  fromObject(object: unknown): object;
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: Record<string, unknown>): Record<string, unknown>;
}
const collector = (otlpRoot as unknown as { opentelemetry: { proto: { collector: Record<string, { v1: Record<string, GeneratedMessage> }> } } })
  .opentelemetry.proto.collector;

/* Protobuf as the stock OTLP exporters write it: the opentelemetry-proto messages. */
function protobuf(signal: 'trace' | 'logs' | 'metrics', message: string, object: unknown): Buffer {
  const type = collector[signal]!.v1[message]!;
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

const SERVICE_ID = randomUUID();
const DEPLOYMENT_ID = randomUUID();
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const ROOT_SPAN_ID = 'eee19b7ec3c1b173';
const CHILD_SPAN_ID = 'eee19b7ec3c1b174';

const taggedResource = {
  attributes: [
    { key: 'syntra.service_id', value: { stringValue: SERVICE_ID } },
    { key: 'syntra.deployment_id', value: { stringValue: DEPLOYMENT_ID } },
    { key: 'service.name', value: { stringValue: 'shop' } },
  ],
};

/** One OTLP/JSON logs request from the tagged resource. */
const logsRequest = (logRecords: unknown[]) => ({ resourceLogs: [{ resource: taggedResource, scopeLogs: [{ logRecords }] }] });

let receiver: Awaited<ReturnType<typeof testReceiver>>;

beforeAll(async () => {
  receiver = await testReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

async function post(pathname: string, body: Buffer | string, headers: Record<string, string>) {
  const response = await fetch(receiver.url(pathname), { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

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

  it('takes gzip protobuf spans and answers in protobuf', async () => {
    const spanId = 'aaaabbbbccccdddd';
    const body = protobuf('trace', 'ExportTraceServiceRequest', {
      resourceSpans: [
        {
          resource: taggedResource,
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from(TRACE_ID, 'hex'),
                  spanId: Buffer.from(spanId, 'hex'),
                  name: 'GET /checkout',
                  kind: 2,
                  startTimeUnixNano: '1700000001000000000',
                  endTimeUnixNano: '1700000001500000000',
                  status: { code: 1 },
                },
              ],
            },
          ],
        },
      ],
    });
    const response = await post('/v1/traces', gzipSync(body), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    const answer = collector.trace!.v1.ExportTraceServiceResponse!;
    expect(answer.toObject(answer.decode(response.body), {})).toEqual({});

    const span = (await spooledData(receiver.spool)).traces.find((candidate) => candidate.span_id === spanId);
    expect(span).toMatchObject({ trace_id: TRACE_ID, operation_name: 'GET /checkout', span_kind: 'server', duration_ns: 500_000_000, status: { code: 'ok' } });
    expect(span).not.toHaveProperty('parent_span_id');
  });

  it('reads protobuf spans into the same records as the same spans in OTLP/JSON, refusing the same ones', async () => {
    // One request in a neutral form, written both ways: ids as hex for JSON, as bytes for protobuf.
    const attributes = [
      { key: 'text', value: { stringValue: 'héllo\tworld' } },
      { key: 'count', value: { intValue: '-42' } },
      { key: 'flag', value: { boolValue: true } },
      { key: 'ratio', value: { doubleValue: 0.25 } },
      { key: 'tables', value: { arrayValue: { values: [{ stringValue: 'orders' }, { intValue: '7' }, { arrayValue: { values: [{ boolValue: false }] } }] } } },
      { key: 'headers', value: { kvlistValue: { values: [{ key: 'accept', value: { stringValue: '*/*' } }] } } },
      { key: 'empty', value: {} },
      { key: 'blob', value: { bytesValue: 'AQID' } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'text', value: { stringValue: 'a later key wins' } },
    ];
    const span = (traceId: string, spanId: string, overrides: Record<string, unknown> = {}) => ({
      traceId,
      spanId,
      name: `span ${spanId}`,
      startTimeUnixNano: '1700000000123456789',
      endTimeUnixNano: '1700000000987654321',
      ...overrides,
    });
    let deep: unknown = { stringValue: 'bottom' };
    for (let level = 0; level < 4; level += 1) deep = { arrayValue: { values: [deep] } };
    const spans = (traceId: string) => [
      span(traceId, '1000000000000001', {
        parentSpanId: ROOT_SPAN_ID,
        kind: 3,
        traceState: 'vendor=1',
        flags: 1,
        attributes,
        droppedAttributesCount: 2,
        events: [{ timeUnixNano: '1700000000200000000', name: 'retry', attributes: [{ key: 'attempt', value: { intValue: '2' } }] }, {}],
        links: [{ traceId, spanId: ROOT_SPAN_ID }],
        status: { code: 2, message: 'deadlock detected' },
      }),
      span(traceId, '1000000000000002', { kind: 2, status: { code: 1 }, name: 'GET "/a\\b"\n\u0001 ü 🚀', attributes: [{ key: 'quote"key\t', value: { stringValue: '' } }] }),
      span(traceId, '1000000000000003', { startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '5', kind: 9 }),
      span(traceId, '1000000000000004', { name: '' }),
      span(traceId, '1000000000000005', { attributes: [{ key: 'deep', value: deep }] }),
      span(traceId, '1000000000000006', { parentSpanId: 'abcdef12' }),
      span(traceId.slice(2), '1000000000000007'),
    ];
    const request = (traceId: string) => ({
      resourceSpans: [
        { resource: taggedResource, scopeSpans: [{ scope: { name: 'shop' }, spans: spans(traceId) }] },
        { resource: { attributes: [] }, scopeSpans: [{ spans: [span(traceId, '1000000000000008')] }] },
      ],
    });
    const asBytes = (value: unknown, key = ''): unknown => {
      if (Array.isArray(value)) return value.map((item) => asBytes(item));
      if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, asBytes(inner, name)]));
      return /^(traceId|spanId|parentSpanId)$/.test(key) ? Buffer.from(value as string, 'hex') : value;
    };
    const [jsonTrace, protobufTrace] = ['1'.repeat(32), '2'.repeat(32)];

    const answers = [];
    for (const [body, type] of [
      [JSON.stringify(request(jsonTrace)), 'application/json'],
      [protobuf('trace', 'ExportTraceServiceRequest', asBytes(request(protobufTrace))), 'application/x-protobuf'],
    ] as const) {
      const response = await post('/v1/traces', body, { 'content-type': type });
      expect(response.status).toBe(200);
      answers.push(response.body);
    }
    const jsonAnswer = JSON.parse(answers[0]!.toString()) as { partialSuccess: { rejectedSpans: string } };
    const protobufAnswer = collector.trace!.v1.ExportTraceServiceResponse!;
    const decodedAnswer = protobufAnswer.toObject(protobufAnswer.decode(answers[1]!), { longs: String }) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(jsonAnswer.partialSuccess.rejectedSpans).toBe('5');
    expect(decodedAnswer.partialSuccess.rejectedSpans).toBe('5');
    expect(decodedAnswer.partialSuccess.errorMessage).toContain('name');

    const spooled = (await spooledData(receiver.spool)).traces;
    const of = (traceId: string) => spooled.filter((record) => record.trace_id === traceId).map((record) => ({ ...record, trace_id: 'the trace' }));
    expect(of(protobufTrace)).toEqual(of(jsonTrace));
    expect(of(protobufTrace).map((record) => record.span_id)).toEqual(['1000000000000001', '1000000000000002', '1000000000000003']);
    expect(of(protobufTrace)[0]).toMatchObject({
      parent_span_id: ROOT_SPAN_ID,
      span_kind: 'client',
      start_time_ns: 1700000000123456789,
      duration_ns: 864_197_532,
      status: { code: 'error', message: 'deadlock detected' },
      attributes: { text: 'a later key wins', count: -42, flag: true, ratio: 0.25, tables: '["orders",7,"[false]"]', headers: '{"accept":"*/*"}', empty: '', blob: 'AQID', nan: 'NaN' },
      events: [
        { name: 'retry', timestamp_ns: 1700000000200000000, attributes: { attempt: 2 } },
        { name: '', timestamp_ns: 0, attributes: {} },
      ],
    });
    expect(of(protobufTrace)[2]).toMatchObject({ span_kind: 'internal', duration_ns: 0 });
  });

  it('splits a large protobuf request into blocks of columns and keeps every span', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const spans = Array.from({ length: 6_000 }, (_, index) => ({
      traceId: Buffer.from(traceId, 'hex'),
      spanId: Buffer.from(index.toString(16).padStart(16, '0'), 'hex'),
      name: `${'x'.repeat(200)} ${index}`,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000000001000',
    }));
    const body = protobuf('trace', 'ExportTraceServiceRequest', { resourceSpans: [{ resource: taggedResource, scopeSpans: [{ spans }] }] });
    expect((await post('/v1/traces', body, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    await receiver.spool.seal();
    const blocks = [];
    for (const batch of receiver.spool.batches()) blocks.push(...((await decodeBatch(await receiver.spool.read(batch))).span_columns ?? []));
    const ours = blocks.filter((block) => block.trace_id[0] === traceId);
    expect(ours.length).toBeGreaterThan(1);
    expect(ours.flatMap((block) => block.operation_name)).toEqual(spans.map((span) => span.name));
  });

  it('answers 400 to protobuf spans that are not protobuf, whatever part is broken', async () => {
    const valid = protobuf('trace', 'ExportTraceServiceRequest', {
      resourceSpans: [{ resource: taggedResource, scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1), name: 'x' }] }] }],
    });
    const broken = [
      valid.subarray(0, valid.length - 3), // ends inside a field
      Buffer.from([0x0a, 0x05, 0x12, 0x03]), // a length past the end
      Buffer.from([0x08, 0x01]), // resource_spans as a varint
      Buffer.from([0x0f]), // wire type 7
    ];
    for (const body of broken) {
      const response = await post('/v1/traces', body, { 'content-type': 'application/x-protobuf' });
      expect(response.status, body.toString('hex')).toBe(400);
      expect(JSON.parse(response.body.toString()).message).toContain('not valid protobuf');
    }
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
