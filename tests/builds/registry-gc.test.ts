import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleRegistryGarbage } from '../../cli/registry-garbage-schedule.js';
import { builtRepositoryOf } from '../../control/operations/build-plan.js';
import { signRegistryToken } from '../../control/registry/token-server.js';
import { diskUse } from '../../engines/registry-garbage.js';
import { httpGet } from '../agent/harness.js';
import { dockerfileServing, startBuildStack, type BuildStack } from './build-stack.js';

/*
 * The registry's garbage, collected: a real docker-registry, built images pushed to it, the
 * retention deleting the oldest one's manifest, then `syntra dev`'s schedule collecting the
 * garbage. The deleted image's blobs leave the disk, every blob left is one a kept image names,
 * and the kept images still pull, blob by blob and through a rollback. While it collects, the
 * registry is read-only: pulls answer, pushes do not, and the agent's push waits until it may.
 */

let stack: BuildStack;
let serviceId: string;
let repository: string;
const builds: { deploymentId: string; digest: string }[] = [];
const manifestTypes = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
/** Random bytes in each build's layer of its own: no compression makes that layer smaller. */
const noiseBytes = 1_500_000;

beforeAll(async () => {
  // One built image kept besides the running one: the third build's retention deletes the first.
  stack = await startBuildStack('registry-gc', { SYNTRA_BUILT_IMAGES_KEPT: '1' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 120_000);

const registryUrl = (route: string) => `http://${stack.registry.address}/v2/${repository}/${route}`;
const token = () => signRegistryToken(stack.signer, 'registry-gc-test', [{ type: 'repository', name: repository, actions: ['pull', 'push'] }]);
const authorised = () => ({ authorization: `Bearer ${token()}`, accept: manifestTypes });
const blobsFolder = () => path.join(stack.registry.storageDirectory, 'docker/registry/v2/blobs/sha256');

/** Every blob on the registry's disk, by digest. */
async function blobsOnDisk(): Promise<Set<string>> {
  const digests = new Set<string>();
  for (const prefix of await readdir(blobsFolder())) {
    for (const hex of await readdir(path.join(blobsFolder(), prefix))) digests.add(`sha256:${hex}`);
  }
  return digests;
}

const blobOnDisk = (digest: string) => readFile(path.join(blobsFolder(), digest.slice(7, 9), digest.slice(7), 'data'));

interface Manifest {
  config: { digest: string };
  layers: { digest: string }[];
}

/** The manifest's own digest, its config's and its layers'. */
const namedBy = (digest: string, manifest: Manifest) => [digest, manifest.config.digest, ...manifest.layers.map((layer) => layer.digest)];

const sha256 = (body: Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

/** A pull as a registry client does it: the manifest by digest, then every blob it names, each checked against its digest. */
async function pullByHand(digest: string): Promise<void> {
  const manifestAnswer = await fetch(registryUrl(`manifests/${digest}`), { headers: authorised() });
  expect(manifestAnswer.status).toBe(200);
  const manifestBody = Buffer.from(await manifestAnswer.arrayBuffer());
  expect(sha256(manifestBody)).toBe(digest);
  for (const blob of namedBy(digest, JSON.parse(manifestBody.toString()) as Manifest).slice(1)) {
    const answer = await fetch(registryUrl(`blobs/${blob}`), { headers: authorised() });
    expect(answer.status, blob).toBe(200);
    expect(sha256(Buffer.from(await answer.arrayBuffer()))).toBe(blob);
  }
}

async function buildVersion(version: string) {
  await stack.git.commit(`Version ${version}`, {
    Dockerfile: dockerfileServing(version, 'COPY noise /www/noise'),
    noise: randomBytes(noiseBytes).toString('base64'),
    'site/index.html': `${version}\n`,
  });
  const deploymentId = await stack.rest.deploy(serviceId);
  const done = await stack.rest.until(deploymentId, ['running', 'failed', 'cancelled'], 180_000);
  expect(done.status, done.error_message ?? '').toBe('running');
  builds.push({ deploymentId, digest: done.image_digest! });
}

describe("the registry's garbage collection", () => {
  it('refuses pushes and answers pulls while read-only, and takes pushes again after', async () => {
    serviceId = (await stack.buildService()).id;
    repository = builtRepositoryOf(serviceId);
    await buildVersion('gc-v1');
    const startUpload = () => fetch(registryUrl('blobs/uploads/'), { method: 'POST', headers: authorised() });
    await stack.registry.restart({ readOnly: true });
    try {
      const refused = await startUpload();
      // Read-only, the registry serves no upload route at all.
      expect(refused.status).toBe(405);
      await pullByHand(builds[0]!.digest);
    } finally {
      await stack.registry.restart({ readOnly: false });
    }
    expect((await startUpload()).status).toBe(202);
  }, 240_000);

  it("deletes the blobs of the images retention deleted, keeps the kept ones' blobs, and they still pull and roll back", async () => {
    await buildVersion('gc-v2');
    await buildVersion('gc-v3');
    const [first, second, third] = builds as [(typeof builds)[0], (typeof builds)[0], (typeof builds)[0]];
    // Retention deleted the first build's manifest (the second was running when the third was built).
    expect((await fetch(registryUrl(`manifests/${first.digest}`), { headers: authorised() })).status).toBe(404);

    const kept = new Set<string>();
    for (const { digest } of [second, third]) {
      const answer = await fetch(registryUrl(`manifests/${digest}`), { headers: authorised() });
      for (const blob of namedBy(digest, (await answer.json()) as Manifest)) kept.add(blob);
    }
    // The deleted manifest's blobs are still on disk: deleting a manifest frees nothing.
    const firstBlobs = namedBy(first.digest, JSON.parse((await blobOnDisk(first.digest)).toString()) as Manifest);
    const firstOnly = firstBlobs.filter((blob) => !kept.has(blob));
    expect(firstOnly.length).toBeGreaterThanOrEqual(2);
    const before = await blobsOnDisk();
    for (const blob of firstOnly) expect(before).toContain(blob);
    const bytesBefore = await diskUse(stack.registry.storageDirectory);

    // A build under way holds the collection back until it ends (here: cancelled).
    await stack.git.commit('Slow', { Dockerfile: dockerfileServing('slow', `RUN echo run-${randomUUID()} >/dev/null && sleep 317`) });
    const slow = await stack.rest.deploy(serviceId);
    await stack.rest.until(slow, ['building'], 60_000);
    const said: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => said.push(line) });
    const schedule = scheduleRegistryGarbage({ registry: stack.registry, intervalMs: 100, busyRetryMs: 100, db: stack.api.platform.db, log });
    try {
      await expect.poll(() => said.some((line) => line.includes('postponed')), { timeout: 10_000, interval: 100 }).toBe(true);
      expect(await blobsOnDisk()).toContain(first.digest);
      expect((await stack.rest.call('POST', `/deployments/${slow}/cancel`)).status).toBe(200);
      await expect.poll(async () => (await blobsOnDisk()).has(first.digest), { timeout: 60_000, interval: 200 }).toBe(false);
    } finally {
      await schedule.stop();
    }
    expect(said.some((line) => line.includes('registry garbage collected'))).toBe(true);
    const after = await blobsOnDisk();
    for (const blob of firstOnly) expect(after).not.toContain(blob);
    expect([...after].sort()).toEqual([...kept].sort());
    const bytesAfter = await diskUse(stack.registry.storageDirectory);
    // The first build's noise layer left the disk (with its manifest and config).
    expect(bytesBefore - bytesAfter).toBeGreaterThan(noiseBytes);
    console.info(`registry disk: ${bytesBefore} bytes before garbage collection, ${bytesAfter} after (${bytesBefore - bytesAfter} freed)`);

    await pullByHand(second.digest);
    await pullByHand(third.digest);
    const rollback = await stack.rest.call('POST', `/services/${serviceId}/rollback`, { deployment_id: second.deploymentId });
    expect(rollback.status, JSON.stringify(rollback.body)).toBe(201);
    const done = await stack.rest.until(rollback.body.data.id as string, ['running', 'failed', 'rolled_back', 'cancelled'], 120_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect((await httpGet(stack.host.endpoint(serviceId), '/version')).body.trim()).toBe('gc-v2');
  }, 360_000);

  it('a push that meets the registry read-only (a collection under way) waits for it, and the version goes live', async () => {
    await stack.git.commit('Pushed during a collection', { Dockerfile: dockerfileServing('gc-v4'), 'site/index.html': 'gc-v4\n' });
    await stack.registry.restart({ readOnly: true });
    let readOnly = true;
    try {
      const deploymentId = await stack.rest.deploy(serviceId);
      const buildLog = async () => ((await stack.rest.call('GET', `/deployments/${deploymentId}`)).body.data.build_logs ?? '') as string;
      await expect.poll(buildLog, { timeout: 120_000, interval: 250 }).toContain('The registry refused the push for now');
      await stack.registry.restart({ readOnly: false });
      readOnly = false;
      const done = await stack.rest.until(deploymentId, ['running', 'failed', 'cancelled'], 120_000);
      expect(done.status, done.error_message ?? '').toBe('running');
      expect(done.build_logs).toMatch(/Pushed 127\.0\.0\.1:\d+\/services\//);
    } finally {
      if (readOnly) await stack.registry.restart({ readOnly: false });
    }
    expect((await httpGet(stack.host.endpoint(serviceId), '/version')).body.trim()).toBe('gc-v4');
  }, 300_000);
});
