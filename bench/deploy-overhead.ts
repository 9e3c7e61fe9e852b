// Orchestration overhead of a deploy: `POST /services/:id/deploy` until the deployment is
// `running` (REST, PostgreSQL, the service's queue workflow, activities, the outbox, the gateway,
// a real `syntra agent` pulling, creating, starting and health-checking one replica, the reports
// back as signals), against a direct dockerode create + start + health check of the same local
// image, probed on the same schedule (at once, then every interval). Both alternate in one run.
// Usage: npx tsx bench/deploy-overhead.ts [iterations=15]
import type Docker from 'dockerode';
import { FAST_HTTP_CHECK } from '../tests/operations/stack.js';
import { percentile, startDeployBench } from './deploy-stack.js';

const iterations = Number(process.argv[2] ?? 15);
const containerPort = 8080;
const probeTimeoutMs = FAST_HTTP_CHECK.timeout_seconds * 1000;

async function direct(docker: Docker, image: string): Promise<number> {
  const started = performance.now();
  const container = await docker.createContainer({
    Image: image,
    ExposedPorts: { [`${containerPort}/tcp`]: {} },
    HostConfig: { PortBindings: { [`${containerPort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    Labels: { 'syntra.bench': 'deploy-overhead' },
  });
  try {
    await container.start();
    const inspected = await container.inspect();
    const hostPort = inspected.NetworkSettings.Ports[`${containerPort}/tcp`]?.[0]?.HostPort;
    for (;;) {
      const healthy = await fetch(`http://127.0.0.1:${hostPort}${FAST_HTTP_CHECK.type === 'http' ? FAST_HTTP_CHECK.path : '/'}`, {
        signal: AbortSignal.timeout(probeTimeoutMs),
      }).then((response) => response.ok, () => false);
      if (healthy) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, FAST_HTTP_CHECK.interval_seconds * 1000));
    }
  } finally {
    await container.remove({ force: true });
  }
}

const bench = await startDeployBench(1);
try {
  const pushed = bench.registry.images.httpV1;
  const image = `${bench.registry.registry}/${pushed.repository}:${pushed.tag}`;
  const orchestrated: number[] = [];
  const baseline: number[] = [];
  // Where the orchestrated time goes, per deploy: from the row's creation to each milestone.
  const stages = { to_deploying: [] as number[], to_agent_first_report: [] as number[], to_agent_running: [] as number[], to_running: [] as number[] };
  // One of each first, unmeasured: the image's layers, the agent's and the worker's code paths warm.
  await bench.deploy(await bench.service(bench.servers[0]!), { strategy: 'instant' });
  await direct(bench.docker, image);
  for (let i = 0; i < iterations; i += 1) {
    const timing = await bench.deploy(await bench.service(bench.servers[0]!), { strategy: 'instant' });
    if (timing.status !== 'running') throw new Error(`deployment ${timing.deploymentId} ended ${timing.status}`);
    orchestrated.push(timing.ms);
    const { createdAt, events } = await bench.timeline(timing.deploymentId);
    const since = (found: { at: Date } | undefined) => (found ? found.at.getTime() - createdAt.getTime() : NaN);
    stages.to_deploying.push(since(events.find((event) => event.source === 'control_plane' && event.status === 'deploying')));
    stages.to_agent_first_report.push(since(events.find((event) => event.source === 'agent')));
    stages.to_agent_running.push(since(events.find((event) => event.source === 'agent' && event.status === 'running')));
    stages.to_running.push(since(events.find((event) => event.source === 'control_plane' && event.status === 'running')));
    baseline.push(await direct(bench.docker, image));
  }
  orchestrated.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  const summary = (values: number[]) => ({ median_ms: Math.round(percentile(values, 0.5)), p95_ms: Math.round(percentile(values, 0.95)) });
  const result = {
    iterations,
    orchestrated: summary(orchestrated),
    direct: summary(baseline),
    overhead_median_ms: Math.round(percentile(orchestrated, 0.5) - percentile(baseline, 0.5)),
    ratio_median: Number((percentile(orchestrated, 0.5) / percentile(baseline, 0.5)).toFixed(2)),
    median_ms_after_the_row_is_created: Object.fromEntries(
      Object.entries(stages).map(([stage, values]) => [stage, Math.round(percentile([...values].sort((a, b) => a - b), 0.5))]),
    ),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await bench.stop();
}
process.exit(0);
