// Many deploys at once: `deploys` services spread evenly over `agents` real `syntra agent`
// processes, every `POST /deploy` sent at the same moment. Reports whether all ended `running`
// (none lost, none failed), the wall time until the last did, throughput, and per-deploy latency.
// Usage: npx tsx bench/concurrent-deploys.ts [deploys=50] [agents=10]
import { percentile, startDeployBench } from './deploy-stack.js';

const deploys = Number(process.argv[2] ?? 50);
const agentCount = Number(process.argv[3] ?? 10);

const bench = await startDeployBench(agentCount);
try {
  const serviceIds: string[] = [];
  for (let i = 0; i < deploys; i += 1) serviceIds.push(await bench.service(bench.servers[i % agentCount]!));
  // One deploy first, unmeasured, so the image is pulled and code paths are warm.
  await bench.deploy(await bench.service(bench.servers[0]!), { strategy: 'instant' });

  const started = performance.now();
  const timings = await Promise.all(serviceIds.map((serviceId) => bench.deploy(serviceId, { strategy: 'instant' })));
  const wallMs = performance.now() - started;
  const latencies = timings.map((timing) => timing.ms).sort((a, b) => a - b);
  const byStatus = Object.fromEntries(
    [...new Set(timings.map((timing) => timing.status))].map((status) => [status, timings.filter((timing) => timing.status === status).length]),
  );
  const result = {
    deploys,
    agents: agentCount,
    statuses: byStatus,
    all_running: byStatus.running === deploys,
    failures: await bench.failureReasons(timings.filter((timing) => timing.status !== 'running').map((timing) => timing.deploymentId)),
    wall_seconds: Number((wallMs / 1000).toFixed(1)),
    deploys_per_second: Number((deploys / (wallMs / 1000)).toFixed(2)),
    latency_ms: { p50: Math.round(percentile(latencies, 0.5)), p95: Math.round(percentile(latencies, 0.95)), max: Math.round(latencies.at(-1)!) },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await bench.stop();
}
process.exit(0);
