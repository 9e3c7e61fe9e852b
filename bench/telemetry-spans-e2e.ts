// Spans per second end to end: OTLP/HTTP into a real agent process → its spool → telemetry
// batches over the WebSocket → the control plane's ingest → ClickHouse; against a plain insert of
// the same spans into the same ClickHouse in the same run. Two end-to-end figures: the whole run,
// from the first request until every span is stored (its end includes up to one
// telemetry_batch_interval_seconds, which the last partial batch waits for the agent's clock), and
// the sustained rate, spans reaching ClickHouse per second between 20 % and 80 % of the total.
// Usage: npx tsx bench/telemetry-spans-e2e.ts [spans=200000] [spansPerRequest=500] [requestsInFlight=4] [encoding=protobuf|json]
// Protobuf is what the apps Syntra deploys export (the agent sets OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf),
// and OpenTelemetry's default; OTLP/JSON is the other encoding OTLP/HTTP defines.
// SYNTRA_BENCH_PROFILE=<dir> writes a V8 CPU profile of the agent process there.
// AGENT_ENTRY=dist/syntra-agent.mjs (npm run build:agent) runs the release bundle instead of the sources
// (it compresses with zstd's WebAssembly build: the native add-on cannot travel in one file).
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import otlpRoot from '@opentelemetry/otlp-transformer/build/esm/generated/root.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AGENT_NODE_FLAGS } from '../agent/release/node-flags.js';
import { spanBlockOf } from '../db/clickhouse/traces.js';
import type { TraceSpan } from '../contracts/index.js';
import { insertEncoded, jsonColumns, jsonRows, type ColumnBlock } from '../db/clickhouse/writer.js';
import { freePort, waitForPort } from '../engines/ports.js';
import { createProject, createServer } from '../tests/support/fixtures.js';
import { benchOwner, startBenchControlPlane } from './support/control-plane.js';
import { sendOtlp } from './support/otlp-sender.js';
import { cpuByThreadName, machineCpu, processCpuMs, threadCpuMs } from './support/proc-cpu.js';

const total = Number(process.argv[2] ?? 200_000);
const perRequest = Number(process.argv[3] ?? 500);
const requestsInFlight = Number(process.argv[4] ?? 4);
const encoding = process.argv[5] ?? 'protobuf';
if (encoding !== 'protobuf' && encoding !== 'json') throw new Error(`encoding is protobuf or json, not ${encoding}`);

const controlPlane = await startBenchControlPlane(benchOwner().environment);
const { db, platform } = controlPlane;
const clickhouse = platform.clickhouse.client;
const { server, token } = await createServer(db, controlPlane.orgId, 'e2e-host');
const project = await createProject(db, controlPlane.orgId, 'e2e');
const { id: serviceId } = await db
  .insertInto('services')
  .values({ project_id: project.id, server_id: server.id, name: 'shop', source_type: 'image' })
  .returning('id')
  .executeTakeFirstOrThrow();
const deploymentId = randomUUID();

// The agent as its own process, as on a server: its receiver on a known port, its spool in a temporary folder.
const agentDir = await mkdtemp(path.join(tmpdir(), 'syntra-bench-agent-'));
const receiverPort = await freePort();
const profileDir = process.env.SYNTRA_BENCH_PROFILE;
const agentEntry = process.env.AGENT_ENTRY ?? 'bin/syntra.js';
// With the V8 flags the install script starts it with.
const agent = spawn(process.execPath, [...AGENT_NODE_FLAGS, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), agentEntry, 'agent'], {
  env: {
    ...process.env,
    SYNTRA_AGENT_URL: controlPlane.url,
    SYNTRA_AGENT_TOKEN: token,
    SYNTRA_AGENT_DATA_DIR: agentDir,
    SYNTRA_AGENT_TELEMETRY_HOST: '127.0.0.1',
    SYNTRA_AGENT_TELEMETRY_PORT: String(receiverPort),
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
await waitForPort(receiverPort, 60_000);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const nowNanos = BigInt(Date.now()) * 1_000_000n;

interface GeneratedMessage {
  fromObject(object: unknown): object;
  encode(message: object): { finish(): Uint8Array };
}
const exportTraceServiceRequest = (otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: Record<string, GeneratedMessage> } } } } })
  .opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest!;

/** The request in the bench's encoding: OTLP/JSON, or protobuf as the opentelemetry-proto messages write it. */
function encoded(request: { resourceSpans: { resource?: unknown; scopeSpans: { scope?: unknown; spans: Record<string, unknown>[] }[] }[] }): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify(request));
  for (const span of request.resourceSpans[0]!.scopeSpans[0]!.spans) {
    for (const id of ['traceId', 'spanId', 'parentSpanId']) if (typeof span[id] === 'string') span[id] = Buffer.from(span[id], 'hex');
  }
  return Buffer.from(exportTraceServiceRequest.encode(exportTraceServiceRequest.fromObject(request)).finish());
}

/** One OTLP request of `count` spans in traces of ten, and the same spans as the contract's records. */
function makeRequest(offset: number, count: number) {
  const spans: TraceSpan[] = [];
  const otlp: Record<string, unknown>[] = [];
  let traceId = '';
  let rootId = '';
  for (let index = offset; index < offset + count; index += 1) {
    const root = index % 10 === 0;
    if (root) [traceId, rootId] = [hex(16), hex(8)];
    const spanId = root ? rootId : hex(8);
    const start = nowNanos + BigInt(index) * 1000n;
    const duration = 1_000_000 + (index % 1000) * 1000;
    const name = root ? 'GET /orders/:id' : `SELECT orders ${index % 10}`;
    otlp.push({
      traceId,
      spanId,
      ...(root ? {} : { parentSpanId: rootId }),
      name,
      kind: root ? 2 : 3,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + BigInt(duration)),
      attributes: [
        { key: 'http.route', value: { stringValue: '/orders/:id' } },
        { key: 'http.status_code', value: { intValue: 200 } },
      ],
      status: { code: index % 97 === 0 ? 2 : 0 },
    });
    spans.push({
      trace_id: traceId,
      span_id: spanId,
      ...(root ? {} : { parent_span_id: rootId }),
      service_id: serviceId,
      deployment_id: deploymentId,
      operation_name: name,
      span_kind: root ? 'server' : 'client',
      start_time_ns: Number(start),
      duration_ns: duration,
      status: { code: index % 97 === 0 ? 'error' : 'unset' },
      attributes: { 'http.route': '/orders/:id', 'http.status_code': 200 },
      events: [],
    });
  }
  const body = encoded({
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'shop' } },
            { key: 'syntra.service_id', value: { stringValue: serviceId } },
            { key: 'syntra.deployment_id', value: { stringValue: deploymentId } },
          ],
        },
        scopeSpans: [{ scope: { name: 'bench' }, spans: otlp }],
      },
    ],
  });
  return { body, spans };
}

const requests = Array.from({ length: Math.ceil(total / perRequest) }, (_, index) => makeRequest(index * perRequest, Math.min(perRequest, total - index * perRequest)));

/*
 * The table holds this run's spans only, so a count without a condition does: ClickHouse answers it
 * from its parts' metadata, where a filtered count would read the table four times a second on the
 * control plane's CPU being measured.
 */
async function storedSpans(): Promise<number> {
  const result = await clickhouse.query({ query: 'SELECT count() AS n FROM traces', format: 'JSONEachRow' });
  return Number((await result.json<{ n: string }>())[0]!.n);
}

// End to end, the requests sent from a process of their own.
const bodiesFile = path.join(agentDir, 'requests.base64');
await writeFile(bodiesFile, requests.map((request) => request.body.toString('base64')).join('\n'));
// CPU spent by each process during the run: where the time goes.
let cpuAtStart = { controlPlane: process.cpuUsage(), agentMs: processCpuMs(agent.pid!), machine: machineCpu(), threads: threadCpuMs(process.pid) };
let started = 0;
const samples: { at: number; stored: number }[] = [];
const contentType = encoding === 'json' ? 'application/json' : 'application/x-protobuf';
const sent = sendOtlp({ url: `http://127.0.0.1:${receiverPort}/v1/traces`, bodiesFile, contentType, requestsInFlight }, () => {
  started = performance.now();
  cpuAtStart = { controlPlane: process.cpuUsage(), agentMs: processCpuMs(agent.pid!), machine: machineCpu(), threads: threadCpuMs(process.pid) };
});
// How many spans ClickHouse holds, four times a second, until it holds them all; a minute without
// progress fails the run rather than waiting for ever.
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 250));
  if (started === 0) continue;
  const stored = await storedSpans();
  samples.push({ at: performance.now() - started, stored });
  if (stored >= total) break;
  const minuteAgo = samples.find((sample) => sample.at >= samples.at(-1)!.at - 60_000)!;
  if (samples.at(-1)!.at > 60_000 && minuteAgo.stored === stored) throw new Error(`no span stored for a minute (${stored} of ${total} so far)`);
}
const { accepted: acceptedAt, cpuMs: senderCpuMs, refused } = await sent;
const accepted = acceptedAt - started;
const endToEnd = samples.at(-1)!.at;
const controlPlaneCpu = process.cpuUsage(cpuAtStart.controlPlane);
const agentCpuMs = processCpuMs(agent.pid!) - cpuAtStart.agentMs;
const controlPlaneThreads = cpuByThreadName(cpuAtStart.threads, threadCpuMs(process.pid));
const machineAtEnd = machineCpu();
const machineBusyMs = machineAtEnd.busyMs - cpuAtStart.machine.busyMs;
const machineIdleMs = machineAtEnd.idleMs - cpuAtStart.machine.idleMs;
const fifth = samples.find((sample) => sample.stored >= total * 0.2)!;
const fourFifths = samples.find((sample) => sample.stored >= total * 0.8)!;
const sustained = ((fourFifths.stored - fifth.stored) / (fourFifths.at - fifth.at)) * 1000;

// The baselines: the same spans inserted straight into the same table, 10,000 per insert, three
// ways: by the client's `insert` (rows encoded one by one), as one JSON array of rows per insert,
// and as one block of columns per insert (the ingest writer's encoding, which ClickHouse parses
// fastest). The ratio is taken against the fastest.
const allSpans = requests.flatMap((request) => request.spans);
const blocks = Array.from({ length: Math.ceil(total / 10_000) }, (_, index) => spanBlockOf(allSpans.slice(index * 10_000, (index + 1) * 10_000)));
const rowsOf = (block: ColumnBlock) =>
  Array.from({ length: jsonColumns.rowsIn(block) }, (_, index) => Object.fromEntries(Object.entries(block).map(([name, column]) => [name, column[index]])));
const rowChunks = blocks.map(rowsOf);
async function plainInsert(insert: (index: number) => Promise<unknown>) {
  await clickhouse.command({ query: 'TRUNCATE TABLE traces' });
  const insertStarted = performance.now();
  const insertCpu = process.cpuUsage();
  for (let index = 0; index < blocks.length; index += 1) await insert(index);
  const cpu = process.cpuUsage(insertCpu);
  return { ms: performance.now() - insertStarted, cpuMs: (cpu.user + cpu.system) / 1000 };
}
const byClient = await plainInsert((index) => clickhouse.insert({ table: 'traces', values: rowChunks[index]!, format: 'JSONEachRow' }));
const asArray = await plainInsert((index) => insertEncoded(clickhouse, 'traces', jsonRows, rowChunks[index]!));
const asColumns = await plainInsert((index) => insertEncoded(clickhouse, 'traces', jsonColumns, [blocks[index]!]));
const plain = Math.min(byClient.ms, asArray.ms, asColumns.ms);

const perSecond = (ms: number) => (total / ms) * 1000;
const microsPerSpan = (ms: number) => ((ms * 1000) / total).toFixed(1);
console.log(`${total.toLocaleString('en')} spans, ${perRequest} per OTLP/${encoding === 'json' ? 'JSON' : 'protobuf'} request, ${requestsInFlight} requests in flight, agent ${agentEntry}`);
console.log(
  `end to end, whole run:  ${perSecond(endToEnd).toFixed(0)} spans/s (${(endToEnd / 1000).toFixed(1)} s; all accepted by the agent after ${(accepted / 1000).toFixed(1)} s, ` +
    `${refused} requests answered 429 first)`,
);
console.log(`end to end, sustained:  ${sustained.toFixed(0)} spans/s (from ${fifth.stored.toLocaleString('en')} to ${fourFifths.stored.toLocaleString('en')} stored)`);
console.log(`plain insert, client.insert:   ${perSecond(byClient.ms).toFixed(0)} spans/s (${(byClient.ms / 1000).toFixed(1)} s, CPU ${microsPerSpan(byClient.cpuMs)} µs per span)`);
console.log(`plain insert, one JSON array:  ${perSecond(asArray.ms).toFixed(0)} spans/s (${(asArray.ms / 1000).toFixed(1)} s, CPU ${microsPerSpan(asArray.cpuMs)} µs per span)`);
console.log(`plain insert, JSON columns:    ${perSecond(asColumns.ms).toFixed(0)} spans/s (${(asColumns.ms / 1000).toFixed(1)} s, CPU ${microsPerSpan(asColumns.cpuMs)} µs per span)`);
console.log(
  `ratio to the fastest plain insert: whole run ${(perSecond(endToEnd) / perSecond(plain)).toFixed(2)}, sustained ${(sustained / perSecond(plain)).toFixed(2)} (target ≥ 0.5)`,
);
console.log(
  `CPU per span end to end: agent ${microsPerSpan(agentCpuMs)} µs, control plane with chDB ${microsPerSpan((controlPlaneCpu.user + controlPlaneCpu.system) / 1000)} µs ` +
    `(${controlPlaneThreads.map(([name, ms]) => `${name} ${microsPerSpan(ms)}`).join(', ')}), OTLP sender ${microsPerSpan(senderCpuMs)} µs; ` +
    `the whole machine ${microsPerSpan(machineBusyMs)} µs, ${((machineBusyMs / (machineBusyMs + machineIdleMs)) * 100).toFixed(0)} % of its CPUs busy`,
);

agent.kill('SIGTERM');
await new Promise((resolve) => agent.once('exit', resolve));
await controlPlane.stop();
await rm(agentDir, { recursive: true, force: true });
