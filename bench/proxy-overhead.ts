// Requests per second and p99 through the agent's HTTPS proxy (Caddy, keep-alive, internal CA) to
// the service's replica, against the replica's published port directly over plain HTTP, same
// service, same run, phases alternated. The replica is a keep-alive Go server and the load comes
// from a Go generator on both sides (bench/support/go/, built now with the host's Go toolchain),
// so neither TCP set-up per request nor a Node client's CPU is what gets measured. The goal
// (issue 20): at least 0.7× the direct throughput and under 2 ms added at p99.
// Usage: npx tsx bench/proxy-overhead.ts [seconds per phase=10] [concurrency=16] [rounds=2]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { deploy } from '../agent/commands/deploy.js';
import { startTestRegistry } from '../tests/support/docker.js';
import { agentHarness, HTTP_HEALTH_CHECK } from '../tests/agent/harness.js';
import { startEdge } from '../tests/agent/edge/edge-support.js';
import { buildGoProgram, httpLoad, pushKeepAliveServer, type HttpLoadResult } from './support/go-programs.js';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 2);
const domain = 'bench.syntra.test';
const WARM_UP_SECONDS = 2;

const workDir = await mkdtemp(path.join(tmpdir(), 'syntra-proxy-bench-'));
const registry = await startTestRegistry();
const harness = await agentHarness(registry);
const edge = await startEdge({ type: 'internal' });
harness.context.edge = edge.router;
try {
  const [server, load] = await Promise.all([buildGoProgram('keep-alive-server', workDir), buildGoProgram('http-load', workDir)]);
  const image = await pushKeepAliveServer(registry, server);
  const payload = harness.deployPayload('httpV1', {
    image: { registry: registry.registry, ...image },
    config: { port: 8080, replicas: 1, env_vars: {}, labels: {}, health_check: HTTP_HEALTH_CHECK },
    networking: { domains: [domain], internal_hostname: 'bench.edge.internal', expose_port: false },
  });
  const result = await deploy(harness.context, payload, () => {});
  if (!result.ok) throw new Error(`deploy failed: ${result.error.message}`);
  const hostPort = result.replicas![0]!.host_port!;
  const caFile = path.join(workDir, 'root.crt');
  await writeFile(caFile, await edge.internalRoot());

  const direct = (phaseSeconds: number) => httpLoad(load, { url: `http://127.0.0.1:${hostPort}/version`, concurrency, seconds: phaseSeconds });
  const proxied = (phaseSeconds: number) =>
    httpLoad(load, { url: `https://127.0.0.1:${edge.router.httpsPort}/version`, host: domain, caFile, concurrency, seconds: phaseSeconds });
  // Warm-up: the certificate is issued at the first handshake, Caddy's upstream pool fills.
  await proxied(WARM_UP_SECONDS);
  await direct(WARM_UP_SECONDS);

  const loadBefore = loadavg();
  const figures: Record<'direct' | 'proxy', HttpLoadResult[]> = { direct: [], proxy: [] };
  for (let round = 0; round < rounds; round++) {
    figures.direct.push(await direct(seconds));
    figures.proxy.push(await proxied(seconds));
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const summary = (name: 'direct' | 'proxy') => ({
    rps: Math.round(mean(figures[name].map((f) => f.per_second))),
    p50_ms: Number(mean(figures[name].map((f) => f.p50_ms)).toFixed(2)),
    p99_ms: Number(mean(figures[name].map((f) => f.p99_ms)).toFixed(2)),
    failed: figures[name].reduce((sum, f) => sum + f.failed, 0),
  });
  const directSummary = summary('direct');
  const proxySummary = summary('proxy');
  const loadAverage = (values: number[]) => values.map((value) => Number(value.toFixed(2)));
  console.log(
    JSON.stringify(
      { seconds, concurrency, rounds, load_average_1_5_15: { before: loadAverage(loadBefore), after: loadAverage(loadavg()) }, direct: directSummary, proxy: proxySummary },
      null,
      2,
    ),
  );
  console.log(
    `throughput ratio ${(proxySummary.rps / directSummary.rps).toFixed(2)}× (goal ≥ 0.7), p99 added ${(proxySummary.p99_ms - directSummary.p99_ms).toFixed(2)} ms (goal < 2)`,
  );
} finally {
  await harness.cleanup();
  await edge.cleanup();
  await registry.cleanup();
  await rm(workDir, { recursive: true, force: true });
}
