// Spans per second through ingest (zstd batches over the real gateway → decode, validate → the
// buffered ClickHouse writer → ack) against a plain insert of the same spans into the same
// ClickHouse (chDB) in the same run, in inserts of 10,000 rows.
// Usage: npx tsx bench/ingest-spans.ts [spans=200000] [spansPerBatch=2000] [window=4]
import { randomBytes, randomUUID } from 'node:crypto';
import { spanBlockOf } from '../db/clickhouse/traces.js';
import { spanColumnsOf, type TraceSpan } from '../contracts/index.js';
import { insertEncoded, jsonColumns } from '../db/clickhouse/writer.js';
import { ingestBench } from './ingest-sender.js';

const total = Number(process.argv[2] ?? 200_000);
const perBatch = Number(process.argv[3] ?? 2_000);
const window = Number(process.argv[4] ?? 4);
const plainInsertRows = 10_000;

const bench = await ingestBench(5);
const deploymentId = randomUUID();
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

// Traces of ten spans: a server root and nine children, as an instrumented HTTP handler sends them.
const makeSpans = (count: number): TraceSpan[] => {
  const spans: TraceSpan[] = [];
  let traceId = '';
  let rootId = '';
  for (let index = 0; index < count; index += 1) {
    if (index % 10 === 0) [traceId, rootId] = [hex(16), hex(8)];
    const root = index % 10 === 0;
    spans.push({
      trace_id: traceId,
      span_id: root ? rootId : hex(8),
      ...(root ? {} : { parent_span_id: rootId }),
      service_id: bench.serviceIds[index % bench.serviceIds.length]!,
      deployment_id: deploymentId,
      operation_name: root ? 'GET /orders/:id' : `SELECT orders ${index % 10}`,
      span_kind: root ? 'server' : 'client',
      start_time_ns: Date.now() * 1e6 + index,
      duration_ns: 1_000_000 + (index % 1000) * 1000,
      status: { code: index % 97 === 0 ? 'error' : 'unset' },
      attributes: { 'http.method': 'GET', 'http.route': '/orders/:id', 'http.status_code': 200, 'db.system': 'postgresql' },
      events: [],
    });
  }
  return spans;
};

const batchesOf = (spans: TraceSpan[]) =>
  Array.from({ length: Math.ceil(spans.length / perBatch) }, (_, index) => bench.encode({ span_columns: [spanColumnsOf(spans.slice(index * perBatch, (index + 1) * perBatch))] }));

await bench.sendAll(batchesOf(makeSpans(perBatch * 2)), window);

const spans = makeSpans(total);
const batches = batchesOf(spans);
const ingestMs = await bench.sendAll(batches, window);

// The baseline stores the same spans again (fresh span ids) into the same table, in the writer's encoding.
const plainSpans = makeSpans(total);
const { client } = bench.platform.clickhouse;
const plainStarted = performance.now();
for (let start = 0; start < plainSpans.length; start += plainInsertRows) {
  await insertEncoded(client, 'traces', jsonColumns, [spanBlockOf(plainSpans.slice(start, start + plainInsertRows))]);
}
const plainMs = performance.now() - plainStarted;

const rate = (ms: number) => Math.round(total / (ms / 1000));
console.log(`${total} spans; ingest in batches of ${perBatch} with ${window} in flight; plain insert in inserts of ${plainInsertRows}`);
console.log('| | spans/s | time |');
console.log('|---|---|---|');
console.log(`| ingest (gateway → decode → validate → writer → ClickHouse → ack) | ${rate(ingestMs)} | ${(ingestMs / 1000).toFixed(2)} s |`);
console.log(`| plain insert of the same spans | ${rate(plainMs)} | ${(plainMs / 1000).toFixed(2)} s |`);
console.log(`ratio ingest / plain: ${(plainMs / ingestMs).toFixed(2)}`);
await bench.stop();
