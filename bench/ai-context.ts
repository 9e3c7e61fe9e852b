// AI: the analysis context for an issue with 1,000 events and 10,000 log lines, against the same
// for an issue with 1 event and 10 log lines; and the time to the first SSE token of a chat
// through Syntra, against the local OpenAI-compatible server's own first chunk, in the same run.
// Usage: npx tsx bench/ai-context.ts [iterations=50]
import { issueToken } from '../contracts/tokens.js';
import { diagnose } from '../control/ai/builtin/error-rules.js';
import { analysisContext, analysisPromptBudgetChars, gatherEvidence } from '../control/ai/error-analysis.js';
import { organizationRedactor } from '../control/ai/known-secrets.js';
import { insertLogs } from '../tests/api/observability-fixtures.js';
import { startOpenAiCompatibleServer } from '../tests/support/openai-compatible-server.js';
import { benchOwner, startBenchControlPlane } from './support/control-plane.js';

const iterations = Number(process.argv[2] ?? 50);
const warmUp = 5;

const owner = benchOwner();
const controlPlane = await startBenchControlPlane(owner.environment);
const { db, platform, url } = controlPlane;
const org = await db.selectFrom('organizations').select('id').where('slug', '!=', 'bench').executeTakeFirstOrThrow();
const server = await db.insertInto('servers').values({ org_id: org.id, name: 'host', agent_token_hash: issueToken('agt').hash }).returning('id').executeTakeFirstOrThrow();
const project = await db.insertInto('projects').values({ org_id: org.id, name: 'shop', slug: 'shop' }).returning('id').executeTakeFirstOrThrow();
const [busy, quiet] = await db
  .insertInto('services')
  .values(['checkout', 'quiet'].map((name) => ({ project_id: project.id, server_id: server.id, name, source_type: 'image' as const })))
  .returning('id')
  .execute();
const env = await fetch(`${url}/api/v1/services/${busy!.id}/env`, {
  method: 'PUT',
  headers: { ...owner.headers, 'content-type': 'application/json' },
  body: JSON.stringify({ variables: [{ key: 'DATABASE_URL', value: 'postgres://app:s3cret-pass-99@db:5432/app', is_secret: true }] }),
});
if (!env.ok) throw new Error(`env: ${env.status} ${await env.text()}`);

const now = Date.now();
const frames = JSON.stringify(
  Array.from({ length: 30 }, (_, index) => ({ filename: `src/module-${index}.ts`, function: `step${index}`, lineno: 10 + index, in_app: index % 3 === 0, context_line: `  await step${index + 1}(order);` })),
);
const breadcrumbs = JSON.stringify(Array.from({ length: 50 }, (_, index) => ({ timestamp: new Date(now - index * 1000).toISOString(), type: 'http', category: 'http', level: 'info', message: `GET /orders/${index}` })));
async function issueWith(serviceId: string, events: number, logLines: number) {
  const issue = await db
    .insertInto('error_groups')
    .values({ service_id: serviceId, fingerprint: `f-${events}`, title: 'connect ECONNREFUSED 10.0.0.7:5432', exception_type: 'Error', first_seen_at: new Date(now - 86_400_000), last_seen_at: new Date(now - 1000), event_count: events })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (let offset = 0; offset < events; offset += 500) {
    await db
      .insertInto('error_events')
      .values(Array.from({ length: Math.min(500, events - offset) }, (_, index) => ({ error_group_id: issue.id, stack_trace: frames, breadcrumbs, release: '2.1.0', timestamp: new Date(now - (offset + index) * 60_000) })))
      .execute();
  }
  // All within the ten minutes the analysis reads, a third of them warnings or errors.
  await insertLogs(
    platform.clickhouse.client,
    Array.from({ length: logLines }, (_, index) => ({
      serviceId,
      millis: now - 1000 - Math.floor((index / logLines) * 9 * 60_000),
      level: (['info', 'warn', 'error'] as const)[index % 3]!,
      message: `order ${index}: pool error connect ECONNREFUSED 10.0.0.7:5432 via postgres://app:s3cret-pass-99@db:5432/app ${'x'.repeat(index % 200)}`,
    })),
  );
  return issue;
}
const big = await issueWith(busy!.id, 1000, 10_000);
const small = await issueWith(quiet!.id, 1, 10);

async function buildContext(issue: typeof big): Promise<string> {
  const [evidence, redactor] = await Promise.all([gatherEvidence(platform, issue), organizationRedactor(platform, org.id)]);
  return analysisContext(issue, evidence, redactor, diagnose(evidence).category);
}

const percentile = (values: number[], share: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * share))]!;
async function timed(work: () => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < warmUp; index += 1) await work();
  const times: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times;
}

const bigTimes = await timed(() => buildContext(big));
const smallTimes = await timed(() => buildContext(small));
const prompt = await buildContext(big);
if (prompt.includes('s3cret-pass-99')) throw new Error('the prompt holds the secret');

// Time to first token: through POST /ai/chat against the provider's own first chunk.
const model = await startOpenAiCompatibleServer();
model.answerWith({ chunks: ['The database ', 'refuses connections.'] });
const enable = await fetch(`${url}/api/v1/ai/settings`, {
  method: 'PATCH',
  headers: { ...owner.headers, 'content-type': 'application/json' },
  body: JSON.stringify({ enabled: true, base_url: model.url, model: 'local', api_key: 'sk-local-bench-key-123' }),
});
if (!enable.ok) throw new Error(`settings: ${enable.status}`);

async function firstChunkAfter(response: Promise<Response>, marker: string): Promise<number> {
  const started = performance.now();
  const body = (await response).body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let at = 0;
  for (;;) {
    const { done, value } = await body.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (!at && text.includes(marker)) at = performance.now() - started;
  }
  if (!at) throw new Error(`no ${marker} in ${text.slice(0, 300)}`);
  return at;
}
const direct = () =>
  firstChunkAfter(
    fetch(`${model.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'local', stream: true, messages: [{ role: 'user', content: 'why?' }] }) }),
    '"content"',
  );
const throughSyntra = () =>
  firstChunkAfter(
    fetch(`${url}/api/v1/ai/chat`, { method: 'POST', headers: { ...owner.headers, 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Why does checkout fail?', context: { service_id: busy!.id } }) }),
    'event: token',
  );
const ttft = async (measure: () => Promise<number>) => {
  for (let index = 0; index < warmUp; index += 1) await measure();
  const times: number[] = [];
  for (let index = 0; index < iterations; index += 1) times.push(await measure());
  return times;
};
const providerTimes = await ttft(direct);
const syntraTimes = await ttft(throughSyntra);

const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(`context, issue with 1,000 events and 10,000 log lines: p50 ${ms(percentile(bigTimes, 0.5))}, p95 ${ms(percentile(bigTimes, 0.95))}`);
console.log(`context, issue with 1 event and 10 log lines (baseline): p50 ${ms(percentile(smallTimes, 0.5))}, p95 ${ms(percentile(smallTimes, 0.95))}`);
console.log(`ratio p50 ${(percentile(bigTimes, 0.5) / percentile(smallTimes, 0.5)).toFixed(2)}; prompt ${prompt.length} chars (~${Math.ceil(prompt.length / 4)} tokens) of a ${analysisPromptBudgetChars}-char budget`);
console.log(`first token, provider alone: p50 ${ms(percentile(providerTimes, 0.5))}, p95 ${ms(percentile(providerTimes, 0.95))}`);
console.log(`first token through POST /ai/chat: p50 ${ms(percentile(syntraTimes, 0.5))}, p95 ${ms(percentile(syntraTimes, 0.95))}`);
console.log(`added by Syntra: p50 ${ms(percentile(syntraTimes, 0.5) - percentile(providerTimes, 0.5))}, p95 ${ms(percentile(syntraTimes, 0.95) - percentile(providerTimes, 0.95))}`);

await model.close();
await controlPlane.stop();
