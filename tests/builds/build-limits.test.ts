import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBuildCgroup, type BuildLimits } from '../../agent/build/build-limits.js';
import { httpGet } from '../agent/harness.js';
import { startBuildStack, dockerfileServing, type BuildStack } from './build-stack.js';

/*
 * A build's CPU and memory caps, on dockerd's own BuildKit: the agent caps the cgroup BuildKit runs
 * every RUN step under, a step sees itself inside it, and a step that wants more memory than the
 * cap is killed, failing the build with an error that says so while the running version answers.
 * The cgroup is dockerd's, shared by every build on this machine: the caps are lifted afterwards,
 * and are roomy enough meanwhile for the builds other test files run at the same time (the sample
 * apps compile Go and Rust).
 */

const limits: BuildLimits = { cpus: 1, memoryMb: 768, cgroup: defaultBuildCgroup };
const mebibyte = 1024 * 1024;
let stack: BuildStack;
let cgroupVersion: string;

beforeAll(async () => {
  stack = await startBuildStack('build-limits', {}, { agent: { builds: { limits } } });
  cgroupVersion = String(((await stack.docker.info()) as { CgroupVersion?: string }).CgroupVersion);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await uncap();
}, 120_000);

/** The caps as the kernel holds them, read on the host. */
async function hostCaps(): Promise<{ cpuQuotaMicroseconds: number; cpuPeriodMicroseconds: number; memoryBytes: number }> {
  const read = async (...parts: string[]) => (await readFile(path.join('/sys/fs/cgroup', ...parts), 'utf8')).trim();
  if (cgroupVersion === '2') {
    const [quota, period] = (await read(limits.cgroup, 'cpu.max')).split(' ');
    return { cpuQuotaMicroseconds: Number(quota), cpuPeriodMicroseconds: Number(period), memoryBytes: Number(await read(limits.cgroup, 'memory.max')) };
  }
  return {
    cpuQuotaMicroseconds: Number(await read('cpu', limits.cgroup, 'cpu.cfs_quota_us')),
    cpuPeriodMicroseconds: Number(await read('cpu', limits.cgroup, 'cpu.cfs_period_us')),
    memoryBytes: Number(await read('memory', limits.cgroup, 'memory.limit_in_bytes')),
  };
}

/** Back to what dockerd leaves: no cap. */
async function uncap(): Promise<void> {
  const write = (value: string, ...parts: string[]) => writeFile(path.join('/sys/fs/cgroup', ...parts), value).catch(() => undefined);
  if (cgroupVersion === '2') {
    await write('max 100000', limits.cgroup, 'cpu.max');
    await write('max', limits.cgroup, 'memory.max');
    await write('max', limits.cgroup, 'memory.swap.max');
    return;
  }
  await write('-1', 'cpu', limits.cgroup, 'cpu.cfs_quota_us');
  await write('-1', 'memory', limits.cgroup, 'memory.memsw.limit_in_bytes');
  await write('-1', 'memory', limits.cgroup, 'memory.limit_in_bytes');
  await write('-1', 'memory', limits.cgroup, 'memory.memsw.limit_in_bytes');
}

describe('a build under its CPU and memory caps', () => {
  let serviceId: string;

  it('runs every RUN step inside the capped cgroup, and the build log says which caps', async () => {
    // The step prints where it runs and, on cgroup v1, the memory cap its hierarchy puts on it.
    const probe = `RUN echo run-${randomUUID()} >/dev/null && cat /proc/self/cgroup && (busybox grep hierarchical_memory_limit /sys/fs/cgroup/memory/memory.stat || true)`;
    await stack.git.commit('Capped', { Dockerfile: dockerfileServing('capped-v1', probe), 'site/index.html': 'capped\n' });
    serviceId = (await stack.buildService()).id;
    const deployment = await stack.rest.deploy(serviceId);
    const done = await stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(done.build_logs).toContain(`Build limits: ${limits.cpus} CPU and ${limits.memoryMb} MiB of memory`);

    const stepCgroups = (done.build_logs ?? '').split('\n').filter((line) => /^#\d+ [\d.]+ \d+:[\w,=]*:\//.test(line));
    const controllerLine = cgroupVersion === '2' ? / 0::(\/\S+)$/ : / \d+:memory:(\/\S+)$/;
    const stepCgroup = stepCgroups.map((line) => controllerLine.exec(line)?.[1]).find((found) => found !== undefined);
    expect(stepCgroup, done.build_logs ?? '').toMatch(new RegExp(`^${limits.cgroup}/[a-z0-9]+$`));
    if (cgroupVersion !== '2') expect(done.build_logs).toMatch(new RegExp(`hierarchical_memory_limit ${limits.memoryMb * mebibyte}$`, 'm'));

    const caps = await hostCaps();
    expect(caps.cpuQuotaMicroseconds / caps.cpuPeriodMicroseconds).toBe(limits.cpus);
    expect(caps.memoryBytes).toBe(limits.memoryMb * mebibyte);
    expect((await httpGet(stack.host.endpoint(serviceId), '/version')).body.trim()).toBe('capped-v1');
  }, 240_000);

  it('fails a step that allocates more than the memory cap with an error naming the cap, and the running version keeps answering', async () => {
    const hog = `RUN echo run-${randomUUID()} >/dev/null && busybox dd if=/dev/zero of=/dev/null bs=${limits.memoryMb * 2}M count=1`;
    await stack.git.commit('Greedy', { Dockerfile: dockerfileServing('greedy', hog) });
    const deployment = await stack.rest.deploy(serviceId);
    const done = await stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status).toBe('failed');
    expect(done.events.at(-1)?.error_code).toBe('BUILD_OUT_OF_MEMORY');
    const explanation = `A build step ran out of memory: the build's cap of ${limits.memoryMb} MiB`;
    expect(done.error_message).toContain(explanation);
    expect(done.error_message).toContain('exit code: 137');
    expect(done.build_logs).toContain(`BUILD_OUT_OF_MEMORY: ${explanation}`);
    expect((await httpGet(stack.host.endpoint(serviceId), '/version')).body.trim()).toBe('capped-v1');
  }, 240_000);
});
