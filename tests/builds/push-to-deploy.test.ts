import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRegistryToken } from '../../control/registry/token-server.js';
import { httpGet } from '../agent/harness.js';
import { startBuildStack, dockerfileServing, type BuildStack } from './build-stack.js';

/*
 * Push to deploy: a commit pushed to the local git server, then the webhook a git host would send
 * → build → push → deploy → the new version answers. A wrong signature, a replayed delivery and a
 * push to another branch deploy nothing.
 */

const secret = 'push-to-deploy-secret-0123456789';
let stack: BuildStack;
let serviceId: string;

beforeAll(async () => {
  // Two built images kept per service, so the third build shows the retention at work.
  stack = await startBuildStack('pushes', { SYNTRA_BUILT_IMAGES_KEPT: '2' });
  const patched = await stack.rest.call('PATCH', `/projects/${stack.project.id}`, { git_webhook_secret: secret });
  expect(patched.status).toBe(200);
  expect(patched.body.data.git_webhook_secret_set).toBe(true);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 120_000);

/** A push event's body as GitHub, Gitea and GitLab send it (the fields they share). */
const pushBody = (branch: string, before: string, after: string) =>
  JSON.stringify({ ref: `refs/heads/${branch}`, before, after, repository: { clone_url: stack.git.url }, head_commit: { id: after } });

const hmac = (body: string, key = secret) => createHmac('sha256', key).update(body).digest('hex');

async function deliver(headers: Record<string, string>, body: string) {
  const response = await fetch(`${stack.baseUrl}/api/v1/webhooks/git/${stack.project.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/test', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as { data: any; error?: { code: string } } };
}

const github = (body: string, key = secret) => ({ 'x-github-event': 'push', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': `sha256=${hmac(body, key)}` });
const deploymentsOf = async (id: string) => ((await stack.rest.call('GET', `/services/${id}/deployments`)).body.data as { id: string }[]).length;
const version = async (id: string) => (await httpGet(stack.host.endpoint(id), '/version')).body.trim();

describe('a push webhook', () => {
  let before = '0'.repeat(40);
  const builtDeployments: string[] = [];

  it('deploys the pushed commit of a service on the branch with trigger git_push, and the new version answers', async () => {
    serviceId = (await stack.buildService()).id;
    const sha = await stack.git.commit('Pushed v1', { Dockerfile: dockerfileServing('pushed-v1'), 'site/index.html': 'one\n' });
    const body = pushBody('main', before, sha);
    const answer = await deliver(github(body), body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.data).toMatchObject({ host: 'github', branch: 'main', commit_sha: sha, ignored: null });
    expect(answer.body.data.deployments).toEqual([{ service_id: serviceId, deployment_id: expect.any(String) }]);
    const done = await stack.rest.until(answer.body.data.deployments[0].deployment_id, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(done.trigger_type).toBe('git_push');
    expect(done.git_commit_sha).toBe(sha);
    expect(await version(serviceId)).toBe('pushed-v1');
    builtDeployments.push(done.id);
    before = sha;
  }, 240_000);

  it('answers 401 to a wrong signature, and deploys nothing', async () => {
    const sha = await stack.git.commit('Forged', { Dockerfile: dockerfileServing('forged'), 'site/index.html': 'x\n' });
    const body = pushBody('main', before, sha);
    const count = await deploymentsOf(serviceId);
    const forged: Record<string, string>[] = [github(body, 'not-the-secret-at-all'), { 'x-gitea-event': 'push', 'x-gitea-signature': hmac(body, 'wrong') }, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong' }, {}];
    for (const headers of forged) {
      const answer = await deliver(headers, body);
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe('UNAUTHORIZED');
    }
    // A signature over other bytes than those sent is refused too, even when they parse the same.
    expect((await deliver(github(body), `${body} `)).status).toBe(401);
    expect(await deploymentsOf(serviceId)).toBe(count);
  });

  it('ignores a replayed delivery, even under a new delivery id, and a push to another branch', async () => {
    const sha = await stack.git.commit('Pushed v2', { Dockerfile: dockerfileServing('pushed-v2') });
    const body = pushBody('main', before, sha);
    // Gitea's and GitLab's own credentials are accepted.
    const first = await deliver({ 'x-gitea-event': 'push', 'x-gitea-signature': hmac(body) }, body);
    expect(first.status).toBe(202);
    expect(first.body.data.deployments).toHaveLength(1);
    const count = await deploymentsOf(serviceId);
    const replay = await deliver({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret }, body);
    expect(replay.status).toBe(202);
    expect(replay.body.data).toMatchObject({ host: 'gitlab', deployments: [] });
    expect(replay.body.data.ignored).toContain('replay');
    const feature = await stack.git.commit('On a feature branch', { 'site/index.html': 'feature\n' }, 'feature');
    const elsewhere = pushBody('feature', '0'.repeat(40), feature);
    const other = await deliver(github(elsewhere), elsewhere);
    expect(other.status).toBe(202);
    expect(other.body.data).toMatchObject({ branch: 'feature', deployments: [] });
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const pinged = await deliver({ ...github(ping), 'x-github-event': 'ping' }, ping);
    expect(pinged.status).toBe(202);
    expect(pinged.body.data.deployments).toEqual([]);
    expect(await deploymentsOf(serviceId)).toBe(count);
    const done = await stack.rest.until(first.body.data.deployments[0].deployment_id, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(await version(serviceId)).toBe('pushed-v2');
    builtDeployments.push(done.id);
  }, 240_000);

  it("keeps the service's last 2 built images in the registry and deletes older ones by digest", async () => {
    await stack.git.commit('Pushed v3', { Dockerfile: dockerfileServing('pushed-v3') });
    const third = await stack.rest.until(await stack.rest.deploy(serviceId), ['running', 'failed', 'cancelled'], 180_000);
    expect(third.status, third.error_message ?? '').toBe('running');
    builtDeployments.push(third.id);
    const repository = `services/${serviceId}`;
    const token = signRegistryToken(stack.signer, 'test', [{ type: 'repository', name: repository, actions: ['pull'] }]);
    const manifestStatus = async (deploymentId: string) => {
      const digest = (await stack.rest.deployment(deploymentId)).image_digest!;
      const answer = await fetch(`http://${stack.registry.address}/v2/${repository}/manifests/${digest}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      });
      return answer.status;
    };
    expect(await Promise.all(builtDeployments.map(manifestStatus))).toEqual([404, 200, 200]);
    expect(await version(serviceId)).toBe('pushed-v3');
  }, 240_000);
});
