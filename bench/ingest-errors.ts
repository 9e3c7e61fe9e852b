// Error events per second through ingest: zstd batches from a protocol-level agent over the real
// gateway, decoded, validated, grouped (fingerprints), and written to PostgreSQL (issues upserted,
// events, distinct users), timed until every batch is acknowledged. The fingerprinting alone, on
// the same events, is measured in the same run for scale.
// Usage: npx tsx bench/ingest-errors.ts [events=50000] [eventsPerBatch=500] [window=4]
import { randomUUID } from 'node:crypto';
import { fingerprintOf } from '../api/ingest/error-grouping.js';
import type { ErrorEvent } from '../contracts/index.js';
import { ingestBench } from './ingest-sender.js';

const total = Number(process.argv[2] ?? 50_000);
const perBatch = Number(process.argv[3] ?? 500);
const window = Number(process.argv[4] ?? 4);
const distinctBugs = 50;
const distinctUsers = 1_000;

const bench = await ingestBench(5);
const deploymentId = randomUUID();

// 50 bugs, each in its own function of its own module, thrown with a fresh id every time.
const errorEvent = (index: number): ErrorEvent => {
  const bug = index % distinctBugs;
  return {
    id: randomUUID(),
    service_id: bench.serviceIds[bug % bench.serviceIds.length]!,
    deployment_id: deploymentId,
    timestamp: new Date().toISOString(),
    type: bug % 2 === 0 ? 'TypeError' : 'NotFoundError',
    message: `order ${randomUUID()} failed for user ${index % distinctUsers}`,
    stack_trace: [
      { filename: '/app/node_modules/express/lib/router/layer.js', function: 'Layer.handle', lineno: 95, in_app: false },
      { filename: `/app/dist/handlers/module-${bug}.js`, function: `handle${bug}`, lineno: 10 + bug, colno: 7, in_app: true, context_line: `  const order = await orders.load(req.params.id); // ${bug}` },
      { filename: '/app/dist/orders/load.js', function: 'load', lineno: 31, in_app: true, context_line: '  if (!row) throw new NotFoundError(`order ${id} failed`);' },
    ],
    breadcrumbs: [{ timestamp: new Date().toISOString(), type: 'http', category: 'fetch', level: 'info', message: 'GET /orders' }],
    context: { environment: 'production', release: '1.0.0', user: { id: `user-${index % distinctUsers}` }, tags: { region: 'eu' }, extra: {} },
    fingerprint: [],
  };
};

const makeBatches = (count: number) =>
  Array.from({ length: Math.ceil(count / perBatch) }, (_, batch) =>
    bench.encode({ errors: Array.from({ length: Math.min(perBatch, count - batch * perBatch) }, (_, index) => errorEvent(batch * perBatch + index)) }),
  );

await bench.sendAll(makeBatches(perBatch * 2), window);
const events = Array.from({ length: total }, (_, index) => errorEvent(index));
const groupingStarted = performance.now();
for (const event of events) fingerprintOf(event);
const groupingMs = performance.now() - groupingStarted;

const batches = makeBatches(total);
const elapsedMs = await bench.sendAll(batches, window);
const { db } = bench.platform;
const stored = await db.selectFrom('error_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
const groups = await db.selectFrom('error_groups').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();

console.log(`${total} error events in ${batches.length} batches of ${perBatch}, ${window} in flight`);
console.log('| | events/s | time |');
console.log('|---|---|---|');
console.log(`| ingest (decode, validate, group, PostgreSQL, ack) | ${Math.round(total / (elapsedMs / 1000))} | ${(elapsedMs / 1000).toFixed(2)} s |`);
console.log(`| fingerprinting alone | ${Math.round(total / (groupingMs / 1000))} | ${(groupingMs / 1000).toFixed(2)} s |`);
console.log(`stored: ${stored.n} events (incl. ${perBatch * 2} warm-up) in ${groups.n} issues`);
await bench.stop();
