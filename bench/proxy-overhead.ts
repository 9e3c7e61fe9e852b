// Requests per second and p99 through the agent's HTTPS proxy (Caddy, keep-alive, internal CA) to
// the service's replica, against the replica's published port directly over plain HTTP, same
// service, same run, phases alternated. The replica is a keep-alive Go server and the load comes
// from a Go generator on both sides (bench/support/go/, built now with the host's Go toolchain),
// so neither TCP set-up per request nor a Node client's CPU is what gets measured. Throughput is
// the closed loop's (as fast as answers come); p99 is reported for it and, since a saturated loop's
// p99 is mostly queueing on the CPU, also at a fixed rate both sides can carry. The goal
// (issue 20): at least 0.7× the direct throughput and under 2 ms added at p99. A third side, the
// floor, sends the same load through the least an HTTPS reverse proxy can do (bench/support/go/
// tls-proxy: the standard library's, TLS and forwarding only), so the figures separate what any
// TLS-terminating proxy costs on this machine from what Caddy adds.
// Usage: npx tsx bench/proxy-overhead.ts [seconds per phase=10] [concurrency=16] [rounds=2] [fixed rate, req/s=1000]
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deploy } from '../agent/commands/deploy.js';
import { freePort } from '../engines/ports.js';
import { startTestRegistry } from '../tests/support/docker.js';
import { agentHarness, HTTP_HEALTH_CHECK } from '../tests/agent/harness.js';
import { startEdge } from '../tests/agent/edge/edge-support.js';
import { buildGoProgram, httpLoad, pushKeepAliveServer, type HttpLoadResult } from './support/go-programs.js';
import { processCpuMs } from './support/proc-cpu.js';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 2);
const fixedRate = Number(process.argv[5] ?? 1000);
const domain = 'bench.syntra.test';
const WARM_UP_SECONDS = 2;

/* Docker's userland proxy, which carries the published port on loopback on both paths; none when it is off. */
async function dockerProxyPid(hostPort: number): Promise<number | null> {
  const { stdout } = await promisify(execFile)('pgrep', ['-f', `docker-proxy .*-host-port ${hostPort} `]).catch(() => ({ stdout: '' }));
  return Number(stdout.trim().split('\n')[0]) || null;
}

interface Phase extends HttpLoadResult {
  /** CPU per answered request, in µs, of each process on the path. */
  cpu_us_per_request: Record<string, number>;
}

const workDir = await mkdtemp(path.join(tmpdir(), 'syntra-proxy-bench-'));
const registry = await startTestRegistry();
const harness = await agentHarness(registry);
const edge = await startEdge({ type: 'internal' });
harness.context.edge = edge.router;
let floor: ChildProcess | null = null;
try {
  const [server, load, floorProxy] = await Promise.all([
    buildGoProgram('keep-alive-server', workDir),
    buildGoProgram('http-load', workDir),
    buildGoProgram('tls-proxy', workDir),
  ]);
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

  const floorPort = await freePort();
  const floorCert = path.join(workDir, 'floor.crt');
  floor = spawn(floorProxy, ['-listen', `127.0.0.1:${floorPort}`, '-upstream', `http://127.0.0.1:${hostPort}`, '-host', domain, '-cert', floorCert], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let tries = 0; await access(floorCert).then(() => false, () => true); tries++) {
    if (tries > 100) throw new Error('the floor proxy did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const caddyPid = edge.router.caddyPid!;
  const userlandProxyPid = await dockerProxyPid(hostPort);
  const measured = async (run: () => Promise<HttpLoadResult>, through?: 'caddy' | 'floor proxy'): Promise<Phase> => {
    const watched: Record<string, number | null> = {
      caddy: through === 'caddy' ? caddyPid : null,
      'floor proxy': through === 'floor proxy' ? floor!.pid! : null,
      'docker-proxy': userlandProxyPid,
    };
    const before = Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, pid === null ? 0 : processCpuMs(pid)]));
    // The agent runs in this process: what it spends during a phase is the agent's share of the path.
    const agentBefore = process.cpuUsage();
    const result = await run();
    const agentUsage = process.cpuUsage(agentBefore);
    const perRequest = (ms: number) => Math.round((ms * 1000) / Math.max(1, result.requests));
    const cpu: Record<string, number> = {
      'load generator': perRequest(result.cpu_ms),
      agent: perRequest((agentUsage.user + agentUsage.system) / 1000),
    };
    for (const [name, pid] of Object.entries(watched)) if (pid !== null) cpu[name] = perRequest(processCpuMs(pid) - before[name]!);
    return { ...result, cpu_us_per_request: cpu };
  };
  const direct = (phaseSeconds: number, rate?: number) =>
    measured(() => httpLoad(load, { url: `http://127.0.0.1:${hostPort}/version`, concurrency, seconds: phaseSeconds, rate }));
  const proxied = (phaseSeconds: number, rate?: number) =>
    measured(
      () => httpLoad(load, { url: `https://127.0.0.1:${edge.router.httpsPort}/version`, host: domain, caFile, concurrency, seconds: phaseSeconds, rate }),
      'caddy',
    );
  const floored = (phaseSeconds: number, rate?: number) =>
    measured(
      () => httpLoad(load, { url: `https://127.0.0.1:${floorPort}/version`, host: domain, caFile: floorCert, concurrency, seconds: phaseSeconds, rate }),
      'floor proxy',
    );
  // Warm-up: the certificate is issued at the first handshake, Caddy's upstream pool fills.
  await proxied(WARM_UP_SECONDS);
  await floored(WARM_UP_SECONDS);
  await direct(WARM_UP_SECONDS);

  const loadBefore = loadavg();
  type Side = 'direct' | 'proxy' | 'floor';
  const sides: Record<Side, typeof direct> = { direct, proxy: proxied, floor: floored };
  const saturated: Record<Side, Phase[]> = { direct: [], proxy: [], floor: [] };
  const paced: Record<Side, Phase[]> = { direct: [], proxy: [], floor: [] };
  for (let round = 0; round < rounds; round++) {
    for (const side of ['direct', 'proxy', 'floor'] as const) saturated[side].push(await sides[side](seconds));
    for (const side of ['direct', 'proxy', 'floor'] as const) paced[side].push(await sides[side](seconds, fixedRate));
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
  const closedLoop = { direct: summary(saturated.direct), proxy: summary(saturated.proxy), floor: summary(saturated.floor) };
  const atRate = { direct: summary(paced.direct), proxy: summary(paced.proxy), floor: summary(paced.floor) };
  const loadAverage = (values: number[]) => values.map((value) => Number(value.toFixed(2)));
  const loadAfter = loadavg();
  console.log(
    JSON.stringify(
      { seconds, concurrency, rounds, load_average_1_5_15: { before: loadAverage(loadBefore), after: loadAverage(loadAfter) }, closed_loop: closedLoop, at_fixed_rate: { rate: fixedRate, ...atRate } },
      null,
      2,
    ),
  );
  const added = (mode: typeof closedLoop, via: 'proxy' | 'floor') => (mode[via].p99_ms - mode.direct.p99_ms).toFixed(2);
  for (const via of ['proxy', 'floor'] as const) {
    console.log(
      `${via === 'proxy' ? 'Caddy' : 'floor proxy'}: throughput ratio ${(closedLoop[via].rps / closedLoop.direct.rps).toFixed(2)}× (goal ≥ 0.7); ` +
        `p99 added ${added(closedLoop, via)} ms saturated, ${added(atRate, via)} ms at ${fixedRate} req/s (goal < 2)`,
    );
  }
} finally {
  floor?.kill();
  await harness.cleanup();
  await edge.cleanup();
  await registry.cleanup();
  await rm(workDir, { recursive: true, force: true });
}
