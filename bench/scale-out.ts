// Deploy throughput and agents held with two `syntra api` + two `syntra worker` processes against
// one of each, in the same run, on Debian's PostgreSQL and one Temporal dev server, behind the
// tests' TCP balancer. Agents are protocol-level (tests/support/fake-agent.ts): each answers a
// deploy at once with `running`, so the control plane (API, outbox, workflows, worker) is what is
// measured, not Docker. Each topology gets a fresh database.
// On a machine with fewer cores than processes, the topologies only split the same CPU; with
// `cpus per process` each `syntra api` and `syntra worker` runs under a CPU quota of its own (a
// cgroup; needs root), standing in for processes on machines of their own, so what the second pair
// adds is measured, not the machine. PostgreSQL, Temporal and the agents are not capped.
// Agents held: after the deploys, a swarm of simulated agents (bench/support/agent-swarm.ts, its own
// process) connects through the balancer in steps of twice as many, each agent sending a heartbeat
// every second; a step is held when no agent is dropped, 95 % of the heartbeats are answered and
// their p99 stays under the interval. The topology holds the largest step it held.
// Usage: npx tsx bench/scale-out.ts [agents=40] [deploys=200] [cpus per process, 0 = uncapped] [first swarm step=250, 0 = none]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { loadTemporalDevConfig } from '../engines/temporal-config.js';
import { startTemporalDevServer } from '../engines/temporal.js';
import { freePort } from '../engines/ports.js';
import { createDb } from '../db/postgres/connection.js';
import { bootstrappedOrganization } from '../tests/support/auth.js';
import { FakeAgent } from '../tests/support/fake-agent.js';
import { createProject, createServer } from '../tests/support/fixtures.js';
import { machineCpu } from './support/proc-cpu.js';
import { enrollAgents, runSwarm, type SwarmAgent } from './support/swarm.js';
import { TcpBalancer } from '../tests/scale/balancer.js';
import { defineCluster, type TemporalEngine } from '../tests/scale/cluster.js';
import { startDebianPostgres } from '../tests/scale/debian-postgres.js';

const agentCount = Number(process.argv[2] ?? 40);
const deployCount = Number(process.argv[3] ?? 200);
const cpusPerProcess = Number(process.argv[4] ?? 0);
const firstSwarmStep = Number(process.argv[5] ?? 250);
const swarmSteps = 6;
const swarmSeconds = 8;
const finishTimeoutMs = 300_000;

/**
 * Plays an agent whose deploys succeed at once: pongs the gateway's pings (else it is dropped after
 * two), and answers each deploy with a progress report, then `running`.
 */
function actAsAgent(agent: FakeAgent): void {
  agent.socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type: string; payload: { deployment_id: string; service_id: string } };
    if (message.type === 'ping') agent.send('pong', message.payload);
    if (message.type !== 'deploy') return;
    const report = (status: 'pulling' | 'running', phase: 'pull_image' | 'health_check', percent: number) =>
      agent.send('deploy_status', {
        deployment_id: message.payload.deployment_id,
        service_id: message.payload.service_id,
        status,
        phase,
        progress_percent: percent,
        message: status,
        started_at: new Date().toISOString(),
      });
    report('pulling', 'pull_image', 10);
    report('running', 'health_check', 100);
  });
}

const warmUps = 5;

/** Polls until `count` deployments are running (or the timeout); returns how many are. */
async function waitForRunning(db: ReturnType<typeof createDb>, count: number): Promise<number> {
  const deadline = Date.now() + finishTimeoutMs;
  for (;;) {
    const running = Number((await db.selectFrom('deployments').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'running').executeTakeFirstOrThrow()).n);
    if (running >= count || Date.now() > deadline) return running;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The most swarm agents, heartbeating every second, the topology keeps up with (see the header). */
async function swarmCapacity(db: ReturnType<typeof createDb>, orgId: string, url: string) {
  const agents: SwarmAgent[] = [];
  const steps: string[] = [];
  let held = 0;
  for (let count = firstSwarmStep, step = 0; step < swarmSteps; count *= 2, step++) {
    await enrollAgents(db, orgId, agents, count);
    const result = await runSwarm(url, agents, 1, swarmSeconds);
    const perSecond = result.heartbeats / swarmSeconds;
    const keptUp = result.failures === 0 && perSecond >= 0.95 * count && result.p99 < 1000;
    steps.push(`${count}: ${Math.round(perSecond)} heartbeats/s, p99 ${result.p99.toFixed(0)} ms, ${result.failures} dropped${keptUp ? '' : ' (not held)'}`);
    if (!keptUp) break;
    held = count;
  }
  return { held, steps };
}

async function measure(topology: { apis: number; workers: number; run: number }, postgres: Awaited<ReturnType<typeof startDebianPostgres>>, temporal: TemporalEngine) {
  const database = `scale_${topology.apis}_${topology.workers}_${topology.run}`;
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const cluster = await defineCluster({
    databaseUrl: postgres.databaseUrl(database),
    temporal,
    apiCount: topology.apis,
    workerCount: topology.workers,
    env: { SYNTRA_RATE_LIMIT_IP_PER_MINUTE: '0', SYNTRA_RATE_LIMIT_CALLER_PER_MINUTE: '0' },
    cpusPerProcess: cpusPerProcess || undefined,
  });
  const capped = [...cluster.apis, ...cluster.workers].flatMap((child) => (child.cap ? [{ kind: child.kind, cap: child.cap }] : []));
  const balancer = await TcpBalancer.listen(cluster.apis.map((api) => api.port));
  const db = createDb(postgres.databaseUrl(database));
  const agents: FakeAgent[] = [];
  try {
    await cluster.start(cluster.apis[0]!);
    await Promise.all([...cluster.apis.slice(1), ...cluster.workers].map((child) => cluster.start(child)));
    const orgId = (await bootstrappedOrganization(db)).id;
    const project = await createProject(db, orgId, 'scale');
    const serverIds: string[] = [];
    for (let i = 0; i < agentCount; i++) {
      const { server, token } = await createServer(db, orgId, `scale-${i}`);
      const agent = await FakeAgent.connect(balancer.url, token, server.id);
      await agent.hello();
      actAsAgent(agent);
      agents.push(agent);
      serverIds.push(server.id);
    }
    const services = await db
      .insertInto('services')
      .values(
        Array.from({ length: deployCount + warmUps }, (_, i) => ({
          project_id: project.id,
          server_id: serverIds[i % agentCount]!,
          name: `web-${i}`,
          source_type: 'image' as const,
          image_name: 'registry.invalid/web',
          image_tag: 'v1',
          port: 8080,
        })),
      )
      .returning('id')
      .execute();
    const deploy = (serviceId: string) =>
      fetch(`${balancer.url}/api/v1/services/${serviceId}/deploy`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cluster.ownerToken}`, 'content-type': 'application/json' },
        body: '{}',
      }).then((response) => {
        if (response.status !== 201) throw new Error(`deploy answered ${response.status}`);
      });
    // Unmeasured first deploys: each process's code paths warm, the task queues known to Temporal.
    await Promise.all(services.slice(deployCount).map((service) => deploy(service.id)));
    await waitForRunning(db, warmUps);
    const measured = services.slice(0, deployCount);
    const cpuBefore = machineCpu();
    const throttledBefore = await Promise.all(capped.map(({ cap }) => cap.throttled()));
    const started = performance.now();
    await Promise.all(measured.map((service) => deploy(service.id)));
    const accepted = performance.now();
    const running = (await waitForRunning(db, warmUps + deployCount)) - warmUps;
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = machineCpu();
    const busy = cpuAfter.busyMs - cpuBefore.busyMs;
    // How long each capped process was held back by its quota during the burst: near the burst's
    // length when the process, not what it waits on, is what limits the throughput.
    const throttled = await Promise.all(capped.map(async ({ kind, cap }, i) => `${kind} ${(((await cap.throttled()).ms - throttledBefore[i]!.ms) / 1000).toFixed(1)} s`));
    // The deploying agents still online, counted before the swarm adds servers of its own.
    const online = Number((await db.selectFrom('servers').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'online').executeTakeFirstOrThrow()).n);
    const agentsHeld = firstSwarmStep > 0 ? await swarmCapacity(db, orgId, balancer.url.replace('http', 'ws')) : undefined;
    return {
      topology: `${topology.apis} api + ${topology.workers} worker`,
      deploys: deployCount,
      run: topology.run,
      running,
      seconds: Number(seconds.toFixed(1)),
      deploys_per_second: Number((running / seconds).toFixed(2)),
      posts_accepted_seconds: Number(((accepted - started) / 1000).toFixed(1)),
      agents_online: online,
      ...(agentsHeld ? { agents_held: agentsHeld.held, swarm_steps: agentsHeld.steps } : {}),
      machine_cpu_busy_percent: Math.round((100 * busy) / Math.max(1, busy + cpuAfter.idleMs - cpuBefore.idleMs)),
      ...(capped.length > 0 ? { cpus_per_process: cpusPerProcess, throttled } : {}),
    };
  } finally {
    await Promise.all(agents.map((agent) => agent.close()));
    await db.destroy();
    await cluster.cleanup();
    await balancer.close();
  }
}

const log = pino({ level: 'error' });
const dir = await mkdtemp(path.join(tmpdir(), 'syntra-scale-bench-'));
const temporalDev = await loadTemporalDevConfig('temporal-dev.yaml');
const temporalServer = await startTemporalDevServer(
  { ...temporalDev, ui: { ...temporalDev.ui, enabled: false } },
  { dataDir: dir, toolsDir: path.resolve('.tools'), persistent: false, ports: { frontend: await freePort(), http: await freePort(), metrics: await freePort() } },
  log,
);
const postgres = await startDebianPostgres();
try {
  const temporal = { address: temporalServer.address, namespace: temporalServer.namespace, toolsDir: path.resolve('.tools') };
  // 1+1 before and after 2+2, so a drift of the machine's load shows instead of favouring one side.
  const one = await measure({ apis: 1, workers: 1, run: 1 }, postgres, temporal);
  const two = await measure({ apis: 2, workers: 2, run: 2 }, postgres, temporal);
  const oneAgain = await measure({ apis: 1, workers: 1, run: 3 }, postgres, temporal);
  const baseline = (one.deploys_per_second + oneAgain.deploys_per_second) / 2;
  const ratio = Number((two.deploys_per_second / baseline).toFixed(2));
  const heldRatio = one.agents_held && oneAgain.agents_held ? Number((two.agents_held! / ((one.agents_held + oneAgain.agents_held) / 2)).toFixed(2)) : undefined;
  process.stdout.write(
    `${JSON.stringify({ agents: agentCount, cpus_per_process: cpusPerProcess || 'uncapped', one, two, oneAgain, throughput_ratio: ratio, agents_held_ratio: heldRatio }, null, 2)}\n`,
  );
} finally {
  await postgres.stop();
  await temporalServer.stop();
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
