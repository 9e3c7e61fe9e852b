// The agent's own footprint while idle with 5 containers: RSS and CPU of a real `syntra agent`
// process connected to a control plane, against a bare Node.js process holding one idle
// WebSocket to the same control plane, both sampled over the same window.
// Usage: npx tsx bench/agent-footprint.ts [sampleSeconds=60]
// AGENT_ENTRY=dist/syntra-agent.mjs (npm run build:agent) measures the standalone agent build instead of the TypeScript sources run through tsx.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { sealDeployCommand } from '../control/secrets/command-secrets.js';
import { enqueueAgentCommand } from '../db/queries/agent-commands.js';
import { ensureDockerd, removeManaged, startTestRegistry } from '../tests/support/docker.js';
import { createServer } from '../tests/support/fixtures.js';
import { startBenchControlPlane } from './support/control-plane.js';
import { processCpuMs, processRssMb } from './support/proc-cpu.js';

const sampleSeconds = Number(process.argv[2] ?? 60);
const services = 5;

const docker = await ensureDockerd();
const registry = await startTestRegistry();
const controlPlane = await startBenchControlPlane();
const { server, token } = await createServer(controlPlane.db, controlPlane.orgId, 'footprint');
// A server of its own: one live session per server, so sharing a token would evict the agent.
const baselineServer = await createServer(controlPlane.db, controlPlane.orgId, 'footprint-baseline');

const agentEntry = process.env.AGENT_ENTRY ?? 'bin/syntra.js';
const agent = spawn(process.execPath, [agentEntry, 'agent', '--url', controlPlane.url, '--token', token], {
  env: { ...process.env, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
// The baseline: the same runtime doing the least an agent must, holding a socket open.
const bare = spawn(process.execPath, ['-e', `const ws = new (require('ws'))(${JSON.stringify(controlPlane.url.replace('http', 'ws') + '/agent/ws')}, { headers: { authorization: 'Bearer ${baselineServer.token}', 'x-agent-version': '0.1.0' } }); ws.on('error', () => {}); setInterval(() => {}, 1000);`], { stdio: 'ignore' });

const projectName = `footprint-${randomUUID().slice(0, 8)}`;
const serviceIds = Array.from({ length: services }, () => randomUUID());
await waitFor(async () => (await controlPlane.db.selectFrom('servers').select('status').where('id', '=', server.id).executeTakeFirstOrThrow()).status === 'online', 30_000);
for (const [i, serviceId] of serviceIds.entries()) {
  const requestId = `footprint-deploy-${i}`;
  const image = registry.images.httpV1;
  await enqueueAgentCommand(controlPlane.db, {
    serverId: server.id,
    requestId,
    type: 'deploy',
    ...sealDeployCommand(controlPlane.platform.secrets, {
      request_id: requestId, deployment_id: randomUUID(), service_id: serviceId, service_name: `web-${i}`, project_name: projectName,
      image: { registry: registry.registry, repository: image.repository, tag: image.tag },
      registry_auth: { username: registry.username, password: registry.password },
      config: { port: 8080, replicas: 1, env_vars: {}, labels: {}, health_check: { type: 'http', path: '/health', interval_seconds: 10, timeout_seconds: 2, retries: 3, start_period_seconds: 0 } },
      networking: { domains: [], internal_hostname: `web-${i}.footprint.internal`, expose_port: true },
      strategy: 'rolling', rollback_on_failure: false, timeout_seconds: 120,
    }),
  });
}
await waitFor(async () => {
  const rows = await controlPlane.db.selectFrom('agent_commands').select('response').where('server_id', '=', server.id).where('status', '=', 'answered').execute();
  return rows.length === services;
}, 180_000);
// Settle: the deploys' own work is over before sampling starts.
await new Promise((resolve) => setTimeout(resolve, 5_000));

const pids = [agent.pid!, bare.pid!];
const before = pids.map(processCpuMs);
await new Promise((resolve) => setTimeout(resolve, sampleSeconds * 1000));
const after = pids.map(processCpuMs);
const cpuPercent = (i: number) => ((after[i]! - before[i]!) / 1000 / sampleSeconds) * 100;
const rssMb = (i: number) => processRssMb(pids[i]!);

console.log(`idle for ${sampleSeconds} s with ${services} running containers (heartbeat every 30 s)`);
console.log(`agent (${agentEntry}): RSS ${rssMb(0).toFixed(1)} MB, CPU ${cpuPercent(0).toFixed(2)} %`);
console.log(`baseline: RSS ${rssMb(1).toFixed(1)} MB, CPU ${cpuPercent(1).toFixed(2)} % (bare node + one idle WebSocket)`);
console.log(`ratio:    RSS ${(rssMb(0) / rssMb(1)).toFixed(2)}x`);

agent.kill('SIGTERM');
bare.kill('SIGTERM');
await new Promise((resolve) => agent.once('exit', resolve));
await removeManaged(docker, { serviceIds, projectName });
await controlPlane.stop();
await registry.cleanup();
process.exit(0);

async function waitFor(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
