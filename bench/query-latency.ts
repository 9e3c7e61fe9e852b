// Query latency with 1 million spans stored: GET /api/v1/traces/:traceId and the issue list
// (GET /api/v1/projects/:id/issues, 1,000 issues), each against the bare store query it wraps
// (the same ClickHouse SELECT, the same PostgreSQL page), measured in the same run.
// Usage: npx tsx bench/query-latency.ts [spans=1000000] [requests=300]
import { randomBytes, randomUUID } from 'node:crypto';
import { issueToken } from '../contracts/tokens.js';
import { spanBlockOf } from '../db/clickhouse/traces.js';
import { insertEncoded, jsonColumns } from '../db/clickhouse/writer.js';
import type { TraceSpan } from '../contracts/index.js';
import { benchOwner, startBenchControlPlane } from './support/control-plane.js';

const totalSpans = Number(process.argv[2] ?? 1_000_000);
const requests = Number(process.argv[3] ?? 300);
const spansPerTrace = 10;
const insertRows = 50_000;
const issues = 1_000;

const owner = benchOwner();
const controlPlane = await startBenchControlPlane(owner.environment);
const { db, platform } = controlPlane;
const clickhouse = platform.clickhouse.client;
const { headers } = owner;
const org = await db.selectFrom('organizations').select('id').where('slug', '!=', 'bench').executeTakeFirstOrThrow();
const server = await db.insertInto('servers').values({ org_id: org.id, name: 'host', agent_token_hash: issueToken('agt').hash }).returning('id').executeTakeFirstOrThrow();
const project = await db.insertInto('projects').values({ org_id: org.id, name: 'shop', slug: 'shop' }).returning('id').executeTakeFirstOrThrow();
const services = await db
  .insertInto('services')
  .values(['web', 'api', 'worker', 'billing', 'search'].map((name) => ({ project_id: project.id, server_id: server.id, name, source_type: 'image' as const })))
  .returning('id')
  .execute();

// A month of traffic: traces of ten spans (a server root and nine children) spread over 30 days.
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const now = Date.now();
const traceIds: string[] = [];
const seedStarted = performance.now();
for (let offset = 0; offset < totalSpans; offset += insertRows) {
  const spans: TraceSpan[] = [];
  let traceId = '';
  let rootId = '';
  let start = 0;
  for (let index = offset; index < Math.min(offset + insertRows, totalSpans); index += 1) {
    const root = index % spansPerTrace === 0;
    if (root) {
      [traceId, rootId, start] = [hex(16), hex(8), now - Math.floor(Math.random() * 30 * 86_400_000)];
      if (traceIds.length < 100_000) traceIds.push(traceId);
    }
    const span: TraceSpan = {
      trace_id: traceId,
      span_id: root ? rootId : hex(8),
      ...(root ? {} : { parent_span_id: rootId }),
      service_id: services[Math.floor(index / spansPerTrace) % services.length]!.id,
      deployment_id: randomUUID(),
      operation_name: root ? 'GET /orders/:id' : `SELECT orders ${index % spansPerTrace}`,
      span_kind: root ? 'server' : 'client',
      start_time_ns: (start + (index % spansPerTrace)) * 1e6,
      duration_ns: 1_000_000 + (index % 1000) * 1000,
      status: { code: index % 97 === 0 ? 'error' : 'unset' },
      attributes: { 'http.method': 'GET', 'http.route': '/orders/:id', 'http.status_code': 200 },
      events: [],
    };
    spans.push(span);
  }
  await insertEncoded(clickhouse, 'traces', jsonColumns, [spanBlockOf(spans)]);
}
const seededSpans = performance.now() - seedStarted;

await db
  .insertInto('error_groups')
  .values(
    Array.from({ length: issues }, (_, index) => ({
      service_id: services[index % services.length]!.id,
      fingerprint: hex(32),
      title: `TypeError: Cannot read properties of undefined (reading 'field${index}')`,
      exception_type: 'TypeError',
      first_seen_at: new Date(now - 30 * 86_400_000),
      last_seen_at: new Date(now - index * 60_000),
      event_count: 1 + (index % 500),
      user_count: index % 50,
    })),
  )
  .execute();

interface Latency {
  p50: number;
  p99: number;
}

async function measure(run: (index: number) => Promise<void>): Promise<Latency> {
  for (let index = 0; index < 20; index += 1) await run(index);
  const latencies: number[] = [];
  for (let index = 0; index < requests; index += 1) {
    const started = performance.now();
    await run(index);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return { p50: latencies[Math.floor(latencies.length * 0.5)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

const pick = (index: number) => traceIds[(index * 7919) % traceIds.length]!;

async function get(path: string): Promise<void> {
  const response = await fetch(`${controlPlane.url}/api/v1${path}`, { headers });
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

const traceApi = await measure((index) => get(`/traces/${pick(index)}`));
const traceStore = await measure(async (index) => {
  const result = await clickhouse.query({
    query: 'SELECT * FROM traces WHERE trace_id = {traceId:String} ORDER BY start_time',
    query_params: { traceId: pick(index) },
    format: 'JSONEachRow',
  });
  if ((await result.json()).length !== spansPerTrace) throw new Error('a seeded trace came back incomplete');
});
const issueApi = await measure(() => get(`/projects/${project.id}/issues?per_page=25`));
const issueStore = await measure(async () => {
  await db.selectFrom('error_groups').selectAll().where('service_id', 'in', services.map((service) => service.id)).orderBy('last_seen_at', 'desc').limit(25).execute();
});

const row = (name: string, latency: Latency) => `${name.padEnd(44)} p50 ${latency.p50.toFixed(1).padStart(6)} ms   p99 ${latency.p99.toFixed(1).padStart(6)} ms`;
console.log(`${totalSpans.toLocaleString('en')} spans in ClickHouse (seeded in ${(seededSpans / 1000).toFixed(1)} s), ${issues} issues, ${requests} requests each`);
console.log(row('GET /api/v1/traces/:traceId', traceApi));
console.log(row('  bare ClickHouse SELECT by trace_id', traceStore));
console.log(row('GET /api/v1/projects/:id/issues (25)', issueApi));
console.log(row('  bare PostgreSQL page of error_groups', issueStore));
console.log(`p99 ratio to the bare query: traces ${(traceApi.p99 / traceStore.p99).toFixed(2)}x, issues ${(issueApi.p99 / issueStore.p99).toFixed(2)}x (targets: p99 < 100 ms)`);

await controlPlane.stop();
