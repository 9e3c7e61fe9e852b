import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { collector, protobuf, receiverUnderTest, ROOT_SPAN_ID, taggedResource, TRACE_ID } from './otlp-support.js';
import { decodeBatch, spooledData } from './support.js';

const receiver = receiverUnderTest();
const { post } = receiver;

describe('OTLP/HTTP receiver, protobuf spans', () => {
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
});
