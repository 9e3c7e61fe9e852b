import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet } from '../agent/harness.js';
import { FAST_HTTP_CHECK } from '../operations/stack.js';
import { ensureBaseImagesOf } from './base-images.js';
import { startBuildStack, type BuildStack } from './build-stack.js';
import { sampleApps, sampleFiles, type SampleApp } from './sample-apps.js';

/*
 * The detector's Dockerfiles build and answer, for six small apps of the stacks it knows: the
 * Dockerfile `POST /ai/generate-dockerfile` writes for an app's files is the one the platform's
 * builder builds for a nixpacks service of the same files in a real git repository (the agent's
 * BuildKit, pushed to the platform's registry, deployed), and the container answers with the
 * marker of this run. The base images the templates name are made from the host's toolchains
 * (base-images.ts): no public registry or package index is reachable here, so every step of the
 * templates must work offline for an app without dependencies, as it should anywhere.
 */

const run = randomUUID().slice(0, 8);
const marker = (app: SampleApp) => `sample-${app}-${run}`;
const branchOf = (app: SampleApp) => `samples/${app}`;
const stackOf: Record<SampleApp, string> = {
  'node-npm': 'node-npm',
  'node-npm-unlocked': 'node-npm',
  'python-pip': 'python-pip',
  go: 'go',
  rust: 'rust',
  static: 'static',
};

let stack: BuildStack;
const files = {} as Record<SampleApp, Record<string, string>>;

beforeAll(async () => {
  stack = await startBuildStack('samples');
  // Each app is a repository of its own, as the detector reads the root: a branch with its files alone.
  for (const app of sampleApps) {
    files[app] = await sampleFiles(app, marker(app));
    await stack.git.commit(`The ${app} sample`, files[app], branchOf(app), { replace: true });
  }
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 120_000);

/** The Dockerfile the build log shows, as the builder logs it (indented by two spaces). */
const shownInLog = (dockerfile: string) => dockerfile.trimEnd().split('\n').map((line) => `  ${line}`).join('\n');

describe('a sample app built from the Dockerfile the platform generates for it', () => {
  it.each(sampleApps)('%s: the generated Dockerfile is what the builder builds, and the container answers', async (app) => {
    const generated = await stack.rest.call('POST', '/ai/generate-dockerfile', { repo_url: stack.git.url, files: files[app] });
    expect(generated.status, JSON.stringify(generated.body)).toBe(200);
    expect(generated.body.data).toMatchObject({ stack: stackOf[app], engine: 'builtin' });
    const dockerfile = generated.body.data.dockerfile as string;
    await ensureBaseImagesOf(dockerfile);

    const created = await stack.rest.call('POST', `/projects/${stack.project.id}/services`, {
      name: `sample-${app}`,
      server_id: stack.host.server.id,
      source_type: 'nixpacks',
      source_config: { branch: branchOf(app) },
      port: 8080,
      health_check: FAST_HTTP_CHECK,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const serviceId = created.body.data.id as string;
    stack.serviceIds.push(serviceId);
    const done = await stack.rest.until(await stack.rest.deploy(serviceId), ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, `${done.error_message ?? ''}\n${done.build_logs ?? ''}`).toBe('running');
    expect(done.build).toMatchObject({ source_type: 'nixpacks', detected: stackOf[app], dockerfile: { detect: true }, git: { branch: branchOf(app) } });
    expect(done.build_logs).toContain(shownInLog(dockerfile));

    const answer = await httpGet(stack.host.endpoint(serviceId), '/');
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(marker(app));
  }, 240_000);
});
