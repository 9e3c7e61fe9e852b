import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet } from '../agent/harness.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createServer } from '../support/fixtures.js';
import { FAST_HTTP_CHECK } from '../operations/stack.js';
import { ensureStaticSiteBase } from './base-images.js';
import { startBuildStack, dockerfileServing, type BuildStack } from './build-stack.js';

/*
 * Builds from source end to end: a commit in a real git server (http-backend, token auth) → deploy
 * → the workflow's build activity → the agent checks out, builds with BuildKit and pushes to the
 * platform's registry (token auth through the API) → rollout → the new version answers.
 */

const run = promisify(execFile);
let stack: BuildStack;

beforeAll(async () => {
  stack = await startBuildStack('builds');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 120_000);

const version = async (serviceId: string) => (await httpGet(stack.host.endpoint(serviceId), '/version')).body.trim();

async function statusesOf(deploymentId: string): Promise<string[]> {
  const detail = await stack.rest.deployment(deploymentId);
  return detail.events.filter((event) => event.source === 'control_plane').map((event) => event.status);
}

describe('a service built from its repository', () => {
  let serviceId: string;
  let firstDeployment: string;

  it('builds the branch head, pushes it, deploys it, and records commit, statuses and log', async () => {
    const sha = await stack.git.commit('First version', { Dockerfile: dockerfileServing('built-v1'), 'site/index.html': 'one\n' });
    serviceId = (await stack.buildService()).id;
    firstDeployment = await stack.rest.deploy(serviceId);
    const done = await stack.rest.until(firstDeployment, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(await version(serviceId)).toBe('built-v1');
    expect(done.git_commit_sha).toBe(sha);
    expect(done.git_commit_message).toContain('First version');
    expect(done.git_branch).toBe('main');
    expect(done.image_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(done.spec?.image.digest).toBe(done.image_digest);
    expect(done.build_duration_ms).toBeGreaterThan(0);
    expect(await statusesOf(firstDeployment)).toEqual(['queued', 'building', 'pushing', 'deploying', 'running']);
    expect(done.build_logs).toContain('RUN echo built-v1 > /www/version');
    expect(done.build_logs).toMatch(/Pushed 127\.0\.0\.1:\d+\/services\//);
    expect(done.build).toMatchObject({ source_type: 'dockerfile', git: { branch: 'main' }, dockerfile: { path: 'Dockerfile', context: '.' } });
  }, 240_000);

  it('builds a one-line change from the layer cache, and the new version answers', async () => {
    const sha = await stack.git.commit('Second version', { 'site/index.html': 'two\n' });
    const deployment = await stack.rest.deploy(serviceId, { git_ref: sha });
    const done = await stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(done.git_commit_sha).toBe(sha);
    // The RUN step did not change: BuildKit found it cached, and its log says so.
    expect(done.build_logs).toMatch(/CACHED/);
    expect(done.build_logs).toMatch(/: [1-9]\d* of \d+ steps cached/);
    expect((await httpGet(stack.host.endpoint(serviceId), '/site/index.html')).body.trim()).toBe('two');
  }, 240_000);

  it('fails a broken Dockerfile with its error line, and the old version keeps answering', async () => {
    await stack.git.commit('Broken', { Dockerfile: 'FROM syntra-agent-test/http:v1\nRUN exit 3\n' });
    const deployment = await stack.rest.deploy(serviceId);
    const done = await stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status).toBe('failed');
    expect(done.error_message).toContain('RUN exit 3');
    expect(done.error_message).toContain('exit code: 3');
    expect(done.events.at(-1)?.error_code).toBe('BUILD_FAILED');
    expect(await version(serviceId)).toBe('built-v1');
  }, 240_000);

  it('stops a long build within 5 s of a cancel, and leaves the old version serving', async () => {
    await stack.git.commit('Slow', { Dockerfile: dockerfileServing('slow', `RUN echo run-${randomUUID()} >/dev/null && sleep 317`) });
    const deployment = await stack.rest.deploy(serviceId);
    await expect
      .poll(async () => (await run('ps', ['-eo', 'args'])).stdout.includes('sleep 317'), { timeout: 120_000, interval: 250 })
      .toBe(true);
    const cancelledAt = Date.now();
    const answer = await stack.rest.call('POST', `/deployments/${deployment}/cancel`);
    expect(answer.status).toBe(200);
    await expect
      .poll(async () => (await run('ps', ['-eo', 'args'])).stdout.includes('sleep 317'), { timeout: 5_000, interval: 100 })
      .toBe(false);
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    const done = await stack.rest.until(deployment, ['cancelled', 'failed', 'running'], 30_000);
    expect(done.status).toBe('cancelled');
    expect(await version(serviceId)).toBe('built-v1');
  }, 240_000);

  it('builds a nixpacks service from what the detector writes for its files, shows that Dockerfile, and it answers', async () => {
    await ensureStaticSiteBase();
    await stack.git.commit('A static site', { 'index.html': '<h1>detected</h1>\n', health: 'ok\n', version: 'detected-v1\n' });
    const created = await stack.rest.call('POST', `/projects/${stack.project.id}/services`, {
      name: 'detected',
      server_id: stack.host.server.id,
      source_type: 'nixpacks',
      source_config: {},
      port: 8080,
      health_check: FAST_HTTP_CHECK,
    });
    expect(created.status).toBe(201);
    stack.serviceIds.push(created.body.data.id);
    const deployment = await stack.rest.deploy(created.body.data.id);
    const done = await stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(done.build).toMatchObject({ source_type: 'nixpacks', detected: 'static', dockerfile: { detect: true } });
    expect(done.build_logs).toContain('Detected static from index.html');
    expect(done.build_logs).toContain('  FROM busybox:stable');
    expect(await version(created.body.data.id)).toBe('detected-v1');
  }, 240_000);

  it("builds a service's inline Dockerfile instead of the repository's, from its build context, with its target, build arg and build secret", async () => {
    await ensureStaticSiteBase();
    // The repository's own Dockerfile would fail: only the inline one may be built.
    await stack.git.commit('A site in a folder', { Dockerfile: 'FROM busybox:stable\nRUN exit 7\n', 'web/health': 'ok\n', 'web/index.html': '<h1>inline</h1>\n' });
    const inline = [
      'FROM busybox:stable AS site',
      'ARG RELEASE',
      'WORKDIR /www',
      'COPY . .',
      // What the context held (listed before the list is written), and the build secret's length (never its value) beside the build arg.
      `RUN --mount=type=secret,id=SITE_TOKEN echo run-${randomUUID()} >/dev/null && listed=$(ls -A) && echo $listed > files && echo "$RELEASE $(wc -c < /run/secrets/SITE_TOKEN)" > version`,
      'USER nobody',
      'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]',
      // Built only without the target.
      'FROM site AS broken',
      'RUN exit 9',
      '',
    ].join('\n');
    const service = await stack.buildService({
      dockerfile_content: inline,
      build_context: 'web',
      target: 'site',
      build_args: { RELEASE: 'inline-v1' },
      build_secrets: { SITE_TOKEN: 'twelve-chars' },
    });
    const deployment = await stack.rest.deploy(service.id);
    const done = await stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(await version(service.id)).toBe('inline-v1 12');
    // The context is web/ alone: neither the repository's Dockerfile nor the inline one is in it.
    expect((await httpGet(stack.host.endpoint(service.id), '/files')).body.trim()).toBe('health index.html');
    expect(done.build).toMatchObject({ source_type: 'dockerfile', dockerfile: { context: 'web', target: 'site', content: inline } });
    expect(done.build_logs).toContain("The service's own Dockerfile");
    expect(done.build_logs).toContain('  ARG RELEASE');
    expect(done.build_logs).not.toContain('twelve-chars');
  }, 240_000);

  it("fails, deploying nothing, when the building agent is older than inline Dockerfiles and built the repository's file", async () => {
    const { server, token } = await createServer(stack.api.platform.db, stack.orgId, 'older-agent');
    const agent = await FakeAgent.connect(stack.baseUrl, token, server.id);
    try {
      await agent.hello();
      const inline = 'FROM busybox:stable\nCMD ["true"]\n';
      const created = await stack.rest.call('POST', `/projects/${stack.project.id}/services`, {
        name: 'inline-on-older-agent',
        server_id: server.id,
        source_type: 'dockerfile',
        source_config: { dockerfile_content: inline },
        port: 8080,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const deployment = await stack.rest.deploy(created.body.data.id);
      const build = await agent.next('build', 60_000);
      expect(build.payload.dockerfile).toMatchObject({ content: inline });
      // What an agent from before inline Dockerfiles answers: a build, without saying which Dockerfile.
      agent.send('command_response', {
        request_id: build.payload.request_id,
        success: true,
        data: { image_digest: `sha256:${'c'.repeat(64)}`, commit_sha: 'd'.repeat(40), commit_message: 'older', duration_ms: 10, steps: 1, cached_steps: 0, log_tail: 'built Dockerfile' },
      });
      const done = await stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 60_000);
      expect(done.status).toBe('failed');
      expect(done.error_message).toContain('older than inline Dockerfiles');
      expect(done.events.at(-1)?.error_code).toBe('VERSION_NOT_SUPPORTED');
      expect(agent.received.map((message) => message.type)).not.toContain('deploy');
    } finally {
      await agent.close();
    }
  }, 120_000);
});
