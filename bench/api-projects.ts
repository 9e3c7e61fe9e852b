// GET /api/v1/projects (authenticated, 100 projects, 50 concurrent keep-alive connections)
// against a bare Fastify route that returns the same JSON, both in this run on this machine.
// Usage: npx tsx bench/api-projects.ts [seconds=10] [limited]
// `limited` keeps the shared rate limiter on (limits far above the load, so nothing is refused):
// what its two PostgreSQL statements per request cost.
import Fastify from 'fastify';
import { benchOwner, startBenchControlPlane } from './support/control-plane.js';
import { measureLoad, type LoadResult } from './support/load.js';

const seconds = Number(process.argv[2] ?? 10);
const projects = 100;
const concurrency = 50;

const limited = process.argv[3] === 'limited';
const owner = benchOwner();
const unlimitedButCounted = { SYNTRA_RATE_LIMIT_IP_PER_MINUTE: '100000000', SYNTRA_RATE_LIMIT_CALLER_PER_MINUTE: '100000000' };
const controlPlane = await startBenchControlPlane({ ...owner.environment, ...(limited ? unlimitedButCounted : {}) });
const { headers } = owner;
for (let i = 0; i < projects; i++) {
  const response = await fetch(`${controlPlane.url}/api/v1/projects`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `project-${String(i).padStart(3, '0')}`, description: 'A project of the benchmark' }),
  });
  if (response.status !== 201) throw new Error(`creating project ${i} answered ${response.status}: ${await response.text()}`);
}
const listUrl = `${controlPlane.url}/api/v1/projects?per_page=100`;
const body = await (await fetch(listUrl, { headers })).text();
if (JSON.parse(body).data.length !== projects) throw new Error(`GET /projects listed ${JSON.parse(body).data.length} projects, not ${projects}`);

// The baseline: Fastify answering the very same bytes, no auth, no database.
const bare = Fastify();
bare.get('/api/v1/projects', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
const bareUrl = `${await bare.listen({ port: 0, host: '127.0.0.1' })}/api/v1/projects?per_page=100`;

const load = { concurrency, durationMs: seconds * 1000, warmupMs: 2_000 };
const baseline = await measureLoad({ url: bareUrl, ...load });
const syntra = await measureLoad({ url: listUrl, headers, ...load });

const row = (name: string, result: LoadResult) =>
  `${name.padEnd(26)} ${result.perSecond.toFixed(0).padStart(7)} req/s   p50 ${result.p50Ms.toFixed(1).padStart(6)} ms   p99 ${result.p99Ms.toFixed(1).padStart(6)} ms   errors ${result.errors}`;
console.log(`${projects} projects, ${concurrency} connections, ${seconds} s each, response ${body.length} bytes, rate limiter ${limited ? 'on' : 'off'}`);
console.log(row('bare Fastify (same JSON)', baseline));
console.log(row('GET /api/v1/projects', syntra));
console.log(`ratio: throughput ${(syntra.perSecond / baseline.perSecond).toFixed(2)}x of the bare route (target ≥ 0.5), p99 ${syntra.p99Ms.toFixed(1)} ms (target < 20 ms)`);

await bare.close();
await controlPlane.stop();
