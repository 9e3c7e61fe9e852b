// Builds from source, two figures. (1) A cached rebuild after a one-line change through the
// platform (the agent's BuildKit build, from its "Built in" line) against a plain
// `DOCKER_BUILDKIT=1 docker build` of the same context, each of its own one-line change, on the
// same dockerd in the same run, alternating (the agent's git fetch before it shown apart). (2) From a push's webhook to the new version
// answering, against its build (+ push) and its rollout timed apart by the agent: what is left is
// the orchestration (webhook, queue workflow, activities, outbox, gateway, reports).
// Usage: npx tsx bench/build-rebuild.ts [iterations=7]
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dockerCli } from '../agent/build/buildkit.js';
import { ensureTokenSigningKey } from '../control/registry/token-keys.js';
import { registryService, tokenIssuer } from '../control/registry/token-server.js';
import { freePort } from '../engines/ports.js';
import { startRegistry } from '../engines/registry.js';
import { httpGet } from '../tests/agent/harness.js';
import { bootstrappedOrganization } from '../tests/support/auth.js';
import { buildTestImages, ensureDockerd, removeManaged } from '../tests/support/docker.js';
import { startGitServer } from '../tests/support/git-server.js';
import { FAST_HTTP_CHECK, operationsApi, startServerWithAgent } from '../tests/operations/stack.js';
import { startInProcessWorker } from '../tests/operations/worker.js';
import { percentile } from './deploy-stack.js';
import { benchOwner, startBenchControlPlane } from './support/control-plane.js';

const run = promisify(execFile);
const iterations = Number(process.argv[2] ?? 7);
const secret = 'bench-webhook-secret-0123456789';
/* A dependency install stands for the step a one-line change must not redo; the change is in files copied after it. */
const dockerfile = ['FROM syntra-agent-test/http:v1', 'RUN sleep 3 && echo deps > /www/deps', 'COPY site/ /www/site/', 'COPY version /www/version', ''].join('\n');

const docker = await ensureDockerd();
await buildTestImages();
const registryPort = await freePort();
const owner = benchOwner();
const controlPlane = await startBenchControlPlane({ ...owner.environment, REGISTRY_URL: `http://127.0.0.1:${registryPort}` });
const { platform, url } = controlPlane;
const registry = await startRegistry({
  directory: path.join(platform.config.dataDir, 'registry'),
  port: registryPort,
  realm: `${url}/registry/token`,
  service: registryService,
  issuer: tokenIssuer,
  certificateFile: (await ensureTokenSigningKey(platform.config.dataDir)).certificateFile,
});
const worker = await startInProcessWorker(platform, platform.temporal.taskQueues.operations);
// The owner's organization: the one the bootstrap token's first start made.
const host = await startServerWithAgent(platform.db, (await bootstrappedOrganization(platform.db)).id, url);
const git = await startGitServer('bench');
const rest = operationsApi(url, owner.token);
const plainDir = await mkdtemp(path.join(tmpdir(), 'syntra-bench-plain-'));
const serviceIds: string[] = [];
const projectSlug = 'bench-builds';

/** rest.until polls with vitest's expect, which runs only under vitest. */
async function finished(deploymentId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const detail = await rest.deployment(deploymentId);
    if (['running', 'failed', 'cancelled', 'rolled_back'].includes(detail.status)) return detail;
    if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} is still ${detail.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const must = <T extends { status: number; body: unknown }>(answer: T, what: string): T => {
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
};

try {
  const project = must(await rest.call('POST', '/projects', { name: projectSlug, git_repo_url: git.url, git_branch: 'main', git_webhook_secret: secret, git_credentials: { kind: 'token', token: git.token } }), 'project').body.data;
  const service = must(await rest.call('POST', `/projects/${project.id}/services`, {
    name: 'rebuilt', server_id: host.server.id, source_type: 'dockerfile', source_config: {}, port: 8080, health_check: FAST_HTTP_CHECK,
  }), 'service').body.data;
  serviceIds.push(service.id);
  const files = (line: string) => ({ Dockerfile: dockerfile, version: `${line}\n`, 'site/index.html': `${line}\n` });

  /** Deploys through the platform; the agent's BuildKit time ("Built in") and its fetch ("Fetched in"). */
  const platformBuild = async (line: string) => {
    await git.commit(line, files(line));
    const done = await finished(await rest.deploy(service.id), 300_000);
    if (done.status !== 'running') throw new Error(`build ${line} ended ${done.status}: ${done.error_message}`);
    const built = /Built in ([\d.]+) s: (\d+) of (\d+) steps cached/.exec(done.build_logs ?? '');
    const fetched = /Fetched [0-9a-f]+ in (\d+) ms/.exec(done.build_logs ?? '');
    if (!built || !fetched) throw new Error(`no "Fetched in" or "Built in" line in the log of ${line}`);
    return { ms: Number(built[1]) * 1000, fetchMs: Number(fetched[1]), cached: Number(built[2]), steps: Number(built[3]) };
  };
  /** The same kind of change built by hand: a plain BuildKit build of a folder with the same files. */
  const plainBuild = async (line: string) => {
    for (const [name, contents] of Object.entries(files(line))) {
      await run('mkdir', ['-p', path.dirname(path.join(plainDir, name))]);
      await writeFile(path.join(plainDir, name), contents);
    }
    const started = performance.now();
    // The CLI the agent builds with (Debian's 20.10, BuildKit built in), so both drive the same builder.
    await run(await dockerCli(), ['build', '--progress=plain', '--tag', 'syntra-bench/plain:latest', plainDir], { env: { ...process.env, DOCKER_BUILDKIT: '1' } });
    return performance.now() - started;
  };

  // Warm: the base image, the expensive step's cache, the agent's checkout, every code path.
  await platformBuild('warm-platform');
  await plainBuild('warm-plain');
  const platformMs: number[] = [];
  const plainMs: number[] = [];
  const fetchMs: number[] = [];
  let cachedSteps = '';
  for (let i = 0; i < iterations; i += 1) {
    const [first, second] = i % 2 === 0 ? (['platform', 'plain'] as const) : (['plain', 'platform'] as const);
    for (const kind of [first, second]) {
      if (kind === 'plain') plainMs.push(await plainBuild(`plain-${i}`));
      else {
        const built = await platformBuild(`platform-${i}`);
        platformMs.push(built.ms);
        fetchMs.push(built.fetchMs);
        cachedSteps = `${built.cached} of ${built.steps}`;
      }
    }
  }

  // (2) git push → webhook → the new version answers, and its parts timed by the agent.
  const totals: number[] = [];
  const orchestration: number[] = [];
  let before = '0'.repeat(40);
  for (let i = 0; i < iterations; i += 1) {
    const line = `pushed-${i}`;
    const sha = await git.commit(line, files(line));
    const body = JSON.stringify({ ref: 'refs/heads/main', before, after: sha });
    before = sha;
    const started = performance.now();
    const answer = await fetch(`${url}/api/v1/webhooks/git/${project.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
      body,
    });
    const result = (await answer.json()) as { data: { deployments: { deployment_id: string }[] } };
    const deploymentId = result.data.deployments[0]!.deployment_id;
    for (;;) {
      const current = await httpGet(host.endpoint(service.id), '/version').then((reply) => reply.body.trim(), () => '');
      if (current === line) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const total = performance.now() - started;
    const done = await finished(deploymentId, 60_000);
    const agentEvents = done.events.filter((event) => event.source === 'agent').map((event) => Date.parse(event.at));
    const rolloutMs = Math.max(...agentEvents) - Math.min(...agentEvents);
    totals.push(total);
    orchestration.push(total - done.build_duration_ms! - rolloutMs);
  }

  const quantile = (values: number[], q: number) => percentile([...values].sort((a, b) => a - b), q);
  const median = (values: number[]) => quantile(values, 0.5);
  const ratio = median(platformMs) / median(plainMs);
  console.log(`cached rebuild after a one-line change (${iterations} each, alternating; ${cachedSteps} steps cached):`);
  console.log(`  platform, BuildKit build: median ${median(platformMs).toFixed(0)} ms  [${platformMs.map((ms) => ms.toFixed(0)).join(', ')}]`);
  console.log(`  platform, git fetch before it: median ${median(fetchMs).toFixed(0)} ms; build + fetch ${(median(platformMs) + median(fetchMs)).toFixed(0)} ms`);
  console.log(`  plain docker build:       median ${median(plainMs).toFixed(0)} ms  [${plainMs.map((ms) => ms.toFixed(0)).join(', ')}]`);
  console.log(`  ratio ${ratio.toFixed(2)}× build alone, ${((median(platformMs) + median(fetchMs)) / median(plainMs)).toFixed(2)}× with the fetch (target ≤ 1.2×)`);
  console.log(`git push → new version answering (${iterations}): median ${median(totals).toFixed(0)} ms  [${totals.map((ms) => ms.toFixed(0)).join(', ')}]`);
  console.log(`  orchestration (total − build and push − rollout): median ${median(orchestration).toFixed(0)} ms, max ${Math.max(...orchestration).toFixed(0)} ms  [${orchestration.map((ms) => ms.toFixed(0)).join(', ')}] (target < 1000 ms)`);
} finally {
  await host.stopAgent();
  await worker.stop();
  await removeManaged(docker, { serviceIds, projectName: projectSlug });
  await controlPlane.stop();
  await registry.stop();
  await git.close();
  await rm(plainDir, { recursive: true, force: true });
  await run('docker', ['image', 'rm', '-f', 'syntra-bench/plain:latest']).catch(() => undefined);
}
