// Requests per second and p99 through the agent's HTTPS proxy (Caddy, keep-alive, internal CA) to
// the service's replica, against the replica directly over plain HTTP, same service, same run,
// phases alternated. Every path reaches the replica at its address on the project network, as
// Caddy does (not its published port, which on loopback Docker's userland proxy carries). The replica is a keep-alive Go server and the load comes
// from a Go generator on both sides (bench/support/go/, built now with the host's Go toolchain),
// so neither TCP set-up per request nor a Node client's CPU is what gets measured. Throughput is
// the closed loop's (as fast as answers come); p99 is reported for it and, since a saturated loop's
// p99 is mostly queueing on the CPU, also at a fixed rate both sides can carry. The goal
// (issue 20): at least 0.7× the direct throughput and under 2 ms added at p99. Reference proxies
// carry the same load in the same rounds (bench/support/reference-proxies.ts: the least a Go TLS
// proxy can do, and HAProxy when installed), so the figures separate what terminating TLS and
// forwarding costs on this machine from what Caddy adds.
// The replica answers from memory by default, which makes the proxies most of the work; `replica
// work` makes it spend that much CPU per request first, as an application's handler would.
// Usage: npx tsx bench/proxy-overhead.ts [seconds per phase=10] [concurrency=16] [rounds=2] [fixed rate, req/s=1000] [replica work, µs=0]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { deploy } from '../agent/commands/deploy.js';
import { replicaFromInspect } from '../agent/runtime/containers.js';
import { startTestRegistry } from '../tests/support/docker.js';
import { agentHarness, HTTP_HEALTH_CHECK } from '../tests/agent/harness.js';
import { startEdge } from '../tests/agent/edge/edge-support.js';
import { buildGoProgram, httpLoad, pushKeepAliveServer, type HttpLoadResult } from './support/go-programs.js';
import { processCpuMs } from './support/proc-cpu.js';
import { startFloorProxy, startHaproxy, type ReferenceProxy } from './support/reference-proxies.js';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 2);
const fixedRate = Number(process.argv[5] ?? 1000);
const replicaWorkUs = Number(process.argv[6] ?? 0);
const domain = 'bench.syntra.test';
const WARM_UP_SECONDS = 2;

interface Phase extends HttpLoadResult {
  /** CPU per answered request, in µs, of each process on the path. */
  cpu_us_per_request: Record<string, number>;
}

const workDir = await mkdtemp(path.join(tmpdir(), 'syntra-proxy-bench-'));
const registry = await startTestRegistry();
const harness = await agentHarness(registry);
const edge = await startEdge({ type: 'internal' });
harness.context.edge = edge.router;
const references: ReferenceProxy[] = [];
try {
  const [server, load, floorProxy] = await Promise.all([
    buildGoProgram('keep-alive-server', workDir),
    buildGoProgram('http-load', workDir),
    buildGoProgram('tls-proxy', workDir),
  ]);
  const image = await pushKeepAliveServer(registry, server);
  const payload = harness.deployPayload('httpV1', {
    image: { registry: registry.registry, ...image },
    config: { port: 8080, replicas: 1, env_vars: { WORK_US: String(replicaWorkUs) }, labels: {}, health_check: HTTP_HEALTH_CHECK },
    networking: { domains: [domain], internal_hostname: 'bench.edge.internal', expose_port: false },
  });
  const result = await deploy(harness.context, payload, () => {});
  if (!result.ok) throw new Error(`deploy failed: ${result.error.message}`);
  const replica = replicaFromInspect(await harness.docker.getContainer(result.replicas![0]!.container_id).inspect());
  if (replica.ip === null) throw new Error('the replica has no address on its network');
  const replicaAddress = `${replica.ip}:8080`;
  const caFile = path.join(workDir, 'root.crt');
  await writeFile(caFile, await edge.internalRoot());

  references.push(await startFloorProxy(floorProxy, `http://${replicaAddress}`, domain, workDir));
  const haproxy = await startHaproxy(replicaAddress, domain, workDir);
  if (haproxy) references.push(haproxy);

  const measured = async (run: () => Promise<HttpLoadResult>, through?: { name: string; pid: number }): Promise<Phase> => {
    const watched: Record<string, number> = through ? { [through.name]: through.pid } : {};
    const before = Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, processCpuMs(pid)]));
    // The agent runs in this process: what it spends during a phase is the agent's share of the path.
    const agentBefore = process.cpuUsage();
    const result = await run();
    const agentUsage = process.cpuUsage(agentBefore);
    const perRequest = (ms: number) => Math.round((ms * 1000) / Math.max(1, result.requests));
    const cpu: Record<string, number> = {
      'load generator': perRequest(result.cpu_ms),
      agent: perRequest((agentUsage.user + agentUsage.system) / 1000),
    };
    for (const [name, pid] of Object.entries(watched)) cpu[name] = perRequest(processCpuMs(pid) - before[name]!);
    return { ...result, cpu_us_per_request: cpu };
  };
  type Path = (phaseSeconds: number, rate?: number) => Promise<Phase>;
  const https = (name: string, port: number, pid: number, ca: string): Path => (phaseSeconds, rate) =>
    measured(() => httpLoad(load, { url: `https://127.0.0.1:${port}/version`, host: domain, caFile: ca, concurrency, seconds: phaseSeconds, rate }), { name, pid });
  const paths: Record<string, Path> = {
    direct: (phaseSeconds, rate) => measured(() => httpLoad(load, { url: `http://${replicaAddress}/version`, concurrency, seconds: phaseSeconds, rate })),
    caddy: https('caddy', edge.router.httpsPort, edge.router.caddyPid!, caFile),
    ...Object.fromEntries(references.map((proxy) => [proxy.name, https(proxy.name, proxy.port, proxy.pid, proxy.caFile)])),
  };
  // Warm-up: the certificate is issued at the first handshake, the upstream pools fill.
  for (const measure of Object.values(paths)) await measure(WARM_UP_SECONDS);

  const loadBefore = loadavg();
  const saturated: Record<string, Phase[]> = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
  const paced: Record<string, Phase[]> = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, measure] of Object.entries(paths)) saturated[name]!.push(await measure(seconds));
    for (const [name, measure] of Object.entries(paths)) paced[name]!.push(await measure(seconds, fixedRate));
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const summary = (results: Phase[]) => ({
    rps: Math.round(mean(results.map((f) => f.per_second))),
    p50_ms: Number(mean(results.map((f) => f.p50_ms)).toFixed(2)),
    p99_ms: Number(mean(results.map((f) => f.p99_ms)).toFixed(2)),
    failed: results.reduce((sum, f) => sum + f.failed, 0),
    cpu_us_per_request: Object.fromEntries(
      Object.keys(results[0]!.cpu_us_per_request).map((name) => [name, Math.round(mean(results.map((f) => f.cpu_us_per_request[name]!)))]),
    ),
  });
  const summaries = (phases: Record<string, Phase[]>) => Object.fromEntries(Object.entries(phases).map(([name, results]) => [name, summary(results)]));
  const closedLoop = summaries(saturated);
  const atRate = summaries(paced);
  const loadAverage = (values: number[]) => values.map((value) => Number(value.toFixed(2)));
  const loadAfter = loadavg();
  console.log(
    JSON.stringify(
      { seconds, concurrency, rounds, replica_work_us: replicaWorkUs, load_average_1_5_15: { before: loadAverage(loadBefore), after: loadAverage(loadAfter) }, closed_loop: closedLoop, at_fixed_rate: { rate: fixedRate, ...atRate } },
      null,
      2,
    ),
  );
  const added = (mode: typeof closedLoop, via: string) => (mode[via]!.p99_ms - mode.direct!.p99_ms).toFixed(2);
  for (const via of Object.keys(paths).filter((name) => name !== 'direct')) {
    console.log(
      `${via}: throughput ratio ${(closedLoop[via]!.rps / closedLoop.direct!.rps).toFixed(2)}× (goal ≥ 0.7); ` +
        `p99 added ${added(closedLoop, via)} ms saturated, ${added(atRate, via)} ms at ${fixedRate} req/s (goal < 2)`,
    );
  }
} finally {
  for (const proxy of references) proxy.stop();
  await harness.cleanup();
  await edge.cleanup();
  await registry.cleanup();
  await rm(workDir, { recursive: true, force: true });
}
