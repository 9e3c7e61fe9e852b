import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServerTag, type DeploymentDetail } from '../../contracts/index.js';
import { httpGet } from '../agent/harness.js';
import { startServerWithAgent } from '../operations/stack.js';
import { startBuildStack, dockerfileServing, type BuildStack } from './build-stack.js';

/*
 * A server tagged `build` builds the organization's services from source while it is online: its
 * agent checks out, builds and pushes, and the service's own server pulls and runs the image. The
 * deployment and its build log name the server that built it; a cancel reaches that server; with
 * the build server offline, builds go back to the service's server. Both agents run here and share
 * this machine's dockerd, each with checkouts of its own.
 */

const run = promisify(execFile);
let stack: BuildStack;
let builder: Awaited<ReturnType<typeof startServerWithAgent>>;
let builderCheckouts: string;

beforeAll(async () => {
  stack = await startBuildStack('build-servers');
  builderCheckouts = await mkdtemp(path.join(tmpdir(), 'syntra-build-server-'));
  builder = await startServerWithAgent(stack.api.platform.db, stack.orgId, stack.baseUrl, { builds: { directory: builderCheckouts } });
}, 180_000);

afterAll(async () => {
  await builder?.stopAgent();
  await stack?.stop();
  if (builderCheckouts) await rm(builderCheckouts, { recursive: true, force: true });
}, 120_000);

const version = async (serviceId: string) => (await httpGet(stack.host.endpoint(serviceId), '/version')).body.trim();
const buildingEvent = (detail: DeploymentDetail) => detail.events.find((event) => event.source === 'control_plane' && event.status === 'building');
const sleeping = async (seconds: number) => (await run('ps', ['-eo', 'args'])).stdout.includes(`sleep ${seconds}`);

async function serverStatus(serverId: string): Promise<string> {
  const answer = await stack.rest.call('GET', `/servers/${serverId}`);
  return answer.body.data.status as string;
}

describe('a build server', () => {
  let serviceId: string;

  it('is marked by its tag through the server update', async () => {
    const answer = await stack.rest.call('PATCH', `/servers/${builder.server.id}`, { tags: [buildServerTag] });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.data.tags).toEqual([buildServerTag]);
    await expect.poll(() => serverStatus(builder.server.id), { timeout: 30_000 }).toBe('online');
  });

  it("builds a service of another server, whose own server pulls and runs the image; the deployment and the log say where it was built", async () => {
    await stack.git.commit('Built elsewhere', { Dockerfile: dockerfileServing('elsewhere-v1'), 'site/index.html': 'one\n' });
    serviceId = (await stack.buildService()).id;
    const deployment = await stack.rest.deploy(serviceId);
    const done = await stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(done.build_server).toEqual({ id: builder.server.id, name: builder.server.name });
    expect(buildingEvent(done)?.message).toBe(`Building on build server ${builder.server.name}`);
    expect(done.build_logs).toContain(`Building on server ${builder.server.name}`);
    // The checkout is the build server's, and the service runs on its own server.
    expect((await stat(path.join(builderCheckouts, serviceId, 'src', 'Dockerfile'))).isFile()).toBe(true);
    expect(await version(serviceId)).toBe('elsewhere-v1');
  }, 240_000);

  it('stops a build on the build server within 5 s of a cancel', async () => {
    const seconds = 300 + Math.floor(Math.random() * 600);
    await stack.git.commit('Slow elsewhere', { Dockerfile: dockerfileServing('slow', `RUN echo run-${randomUUID()} >/dev/null && sleep ${seconds}`) });
    const deployment = await stack.rest.deploy(serviceId);
    await expect.poll(() => sleeping(seconds), { timeout: 120_000, interval: 250 }).toBe(true);
    expect((await stack.rest.deployment(deployment)).build_server?.id).toBe(builder.server.id);
    const cancelledAt = Date.now();
    expect((await stack.rest.call('POST', `/deployments/${deployment}/cancel`)).status).toBe(200);
    await expect.poll(() => sleeping(seconds), { timeout: 5_000, interval: 100 }).toBe(false);
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    expect((await stack.rest.until(deployment, ['cancelled', 'failed', 'running'], 30_000)).status).toBe('cancelled');
    expect(await version(serviceId)).toBe('elsewhere-v1');
  }, 240_000);

  it("while offline, leaves the build to the service's own server", async () => {
    await builder.stopAgent();
    await expect.poll(() => serverStatus(builder.server.id), { timeout: 30_000 }).toBe('offline');
    await stack.git.commit('Built at home', { Dockerfile: dockerfileServing('home-v2') });
    const deployment = await stack.rest.deploy(serviceId);
    const done = await stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(done.build_server).toEqual({ id: stack.host.server.id, name: stack.host.server.name });
    expect(buildingEvent(done)?.message).toBe(`Building on the service's server ${stack.host.server.name}`);
    expect(done.build_logs).toContain(`Building on server ${stack.host.server.name}`);
    expect(await version(serviceId)).toBe('home-v2');
  }, 240_000);
});
