// Requests per second and p99 through the agent's HTTPS proxy (Caddy, keep-alive, internal CA) →
// the service's stable endpoint → the replica, against the replica's published port directly over
// plain HTTP, same service, same run, phases alternated. The goal (issue 20): at least 0.7× the
// direct throughput and under 2 ms added at p99.
// Usage: npx tsx bench/proxy-overhead.ts [seconds per phase=10] [concurrency=16] [rounds=2]
import http from 'node:http';
import https from 'node:https';
import { deploy } from '../agent/commands/deploy.js';
import { startTestRegistry } from '../tests/support/docker.js';
import { agentHarness, HTTP_HEALTH_CHECK } from '../tests/agent/harness.js';
import { startEdge } from '../tests/agent/edge/edge-support.js';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 2);
const domain = 'bench.syntra.test';

type Get = () => Promise<number>;

function requester(options: http.RequestOptions | https.RequestOptions, secure: boolean): Get {
  return () =>
    new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(options, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', reject);
      request.end();
    });
}

async function phase(get: Get): Promise<{ rps: number; p50: number; p99: number; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const status = await get().catch(() => 0);
        if (status === 200) latencies.push(performance.now() - started);
        else failed++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99), failed };
}

const registry = await startTestRegistry();
const harness = await agentHarness(registry);
const edge = await startEdge({ type: 'internal' });
harness.context.edge = edge.router;
try {
  const payload = harness.deployPayload('httpV1', {
    config: { port: 8080, replicas: 1, env_vars: {}, labels: {}, health_check: HTTP_HEALTH_CHECK },
    networking: { domains: [domain], internal_hostname: 'bench.edge.internal', expose_port: false },
  });
  const result = await deploy(harness.context, payload, () => {});
  if (!result.ok) throw new Error(`deploy failed: ${result.error.message}`);
  const hostPort = result.replicas![0]!.host_port!;
  const ca = await edge.internalRoot();
  const directAgent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const proxyAgent = new https.Agent({ keepAlive: true, maxSockets: concurrency });
  const direct = requester({ host: '127.0.0.1', port: hostPort, path: '/version', agent: directAgent }, false);
  const proxied = requester(
    { host: '127.0.0.1', port: edge.router.httpsPort, path: '/version', servername: domain, headers: { host: domain }, ca, agent: proxyAgent },
    true,
  );
  await phase(proxied); // warm-up: the certificate is issued at the first handshake
  const figures: Record<'direct' | 'proxy', Awaited<ReturnType<typeof phase>>[]> = { direct: [], proxy: [] };
  for (let round = 0; round < rounds; round++) {
    figures.direct.push(await phase(direct));
    figures.proxy.push(await phase(proxied));
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const summary = (name: 'direct' | 'proxy') => ({
    rps: Math.round(mean(figures[name].map((f) => f.rps))),
    p50_ms: Number(mean(figures[name].map((f) => f.p50)).toFixed(2)),
    p99_ms: Number(mean(figures[name].map((f) => f.p99)).toFixed(2)),
    failed: figures[name].reduce((sum, f) => sum + f.failed, 0),
  });
  const directSummary = summary('direct');
  const proxySummary = summary('proxy');
  console.log(JSON.stringify({ seconds, concurrency, rounds, direct: directSummary, proxy: proxySummary }, null, 2));
  console.log(
    `throughput ratio ${(proxySummary.rps / directSummary.rps).toFixed(2)}× (goal ≥ 0.7), p99 added ${(proxySummary.p99_ms - directSummary.p99_ms).toFixed(2)} ms (goal < 2)`,
  );
  directAgent.destroy();
  proxyAgent.destroy();
} finally {
  await harness.cleanup();
  await edge.cleanup();
  await registry.cleanup();
}
