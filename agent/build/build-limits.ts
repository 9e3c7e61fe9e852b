import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { messageOf } from '../errors.js';

/*
 * CPU and memory caps of the server's builds, so a build never starves the services beside it.
 * dockerd 20.10's BuildKit ignores `docker build --memory`, `--cpu-quota` and `--cgroup-parent`
 * (a RUN step's /proc/self/cgroup shows `/docker/buildkit/<id>` whatever the flags say), but it
 * runs every RUN step in a cgroup under one parent: `<dockerd's cgroup parent>/buildkit`, with the
 * cgroupfs driver `/docker/buildkit` unless dockerd sets `cgroup-parent`. The cgroup hierarchy
 * caps a parent's whole subtree, so capping that one cgroup caps every step of every build; with
 * one build per server at a time, that is the build's cap. The systemd driver gives no such
 * parent (each step is a scope beside the services' containers), so there the caps cannot be set.
 */

const cgroupRoot = '/sys/fs/cgroup';
const cpuPeriodMicroseconds = 100_000;
const mebibyte = 1024 * 1024;

export interface BuildLimits {
  /** CPUs every build's steps share, e.g. 1.5. */
  cpus: number;
  memoryMb: number;
  /** The cgroup dockerd's BuildKit puts RUN steps under. */
  cgroup: string;
}

export const defaultBuildCgroup = '/docker/buildkit';

/** Half the server's cores and half its memory: the other half stays the services'. */
export function defaultBuildLimits(): BuildLimits {
  return { cpus: os.availableParallelism() / 2, memoryMb: Math.floor(os.totalmem() / mebibyte / 2), cgroup: defaultBuildCgroup };
}

/** How the caps were applied: a line for the build log, and whether the build has run into its memory cap since. */
export interface AppliedLimits {
  description: string;
  memoryCapReached(): Promise<boolean>;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function numberIn(file: string, key?: string): Promise<number> {
  const text = await readFile(file, 'utf8');
  if (key === undefined) return Number(text.trim());
  const line = text.split('\n').find((entry) => entry.startsWith(`${key} `));
  return Number(line?.split(' ')[1] ?? 0);
}

/** Caps a cgroup's processes at `cpus` a period: `directory` is the cgroup's folder (v1: under the cpu controller's hierarchy). */
export async function writeCpuQuota(directory: string, cpus: number, version: 1 | 2): Promise<void> {
  const quota = String(Math.round(cpus * cpuPeriodMicroseconds));
  if (version === 2) {
    await writeFile(path.join(directory, 'cpu.max'), `${quota} ${cpuPeriodMicroseconds}`);
    return;
  }
  await writeFile(path.join(directory, 'cpu.cfs_period_us'), String(cpuPeriodMicroseconds));
  await writeFile(path.join(directory, 'cpu.cfs_quota_us'), quota);
}

/** cgroup v1: one hierarchy per controller; the memory+swap cap may never be below the memory cap. */
async function applyV1(limits: BuildLimits): Promise<AppliedLimits> {
  const cpu = path.join(cgroupRoot, 'cpu', limits.cgroup);
  const memory = path.join(cgroupRoot, 'memory', limits.cgroup);
  await mkdir(cpu, { recursive: true });
  await mkdir(memory, { recursive: true });
  await writeCpuQuota(cpu, limits.cpus, 1);
  const bytes = limits.memoryMb * mebibyte;
  const withSwap = path.join(memory, 'memory.memsw.limit_in_bytes');
  const swapAccounted = await exists(withSwap);
  if (swapAccounted) await writeFile(withSwap, '-1');
  await writeFile(path.join(memory, 'memory.limit_in_bytes'), String(bytes));
  // Equal caps: a step cannot swap its way past the memory cap.
  if (swapAccounted) await writeFile(withSwap, String(bytes));
  // v1 counts an OOM kill only in the killed step's own cgroup, gone with it; the peaks, reset
  // here, say whether this build filled the cap.
  const peaks = ['memory.max_usage_in_bytes', ...(swapAccounted ? ['memory.memsw.max_usage_in_bytes'] : [])].map((name) => path.join(memory, name));
  for (const peak of peaks) await writeFile(peak, '0');
  const memoryCapReached = async () => (await Promise.all(peaks.map((peak) => numberIn(peak)))).some((used) => used >= bytes);
  return { description: describe(limits), memoryCapReached };
}

/** cgroup v2: one hierarchy; a controller's files exist only where every ancestor delegates it. */
async function applyV2(limits: BuildLimits): Promise<AppliedLimits> {
  const target = path.join(cgroupRoot, limits.cgroup);
  await mkdir(target, { recursive: true });
  const ancestors = path.relative(cgroupRoot, path.dirname(target)).split(path.sep).filter(Boolean);
  for (let depth = 0; depth <= ancestors.length; depth += 1) {
    await writeFile(path.join(cgroupRoot, ...ancestors.slice(0, depth), 'cgroup.subtree_control'), '+cpu +memory');
  }
  await writeCpuQuota(target, limits.cpus, 2);
  await writeFile(path.join(target, 'memory.max'), String(limits.memoryMb * mebibyte));
  if (await exists(path.join(target, 'memory.swap.max'))) await writeFile(path.join(target, 'memory.swap.max'), '0');
  // v2 counts OOM kills in every ancestor of the killed step's cgroup, this one included.
  const events = path.join(target, 'memory.events');
  const killsBefore = await numberIn(events, 'oom_kill');
  return { description: describe(limits), memoryCapReached: async () => (await numberIn(events, 'oom_kill')) > killsBefore };
}

function describe(limits: BuildLimits): string {
  return `Build limits: ${limits.cpus} CPU and ${limits.memoryMb} MiB of memory for all of the build's steps (cgroup ${limits.cgroup})`;
}

/**
 * Writes the caps into dockerd's BuildKit cgroup before a build (it may have been removed, or the
 * configuration changed since the last one). Throws, with the reason, when they cannot be set.
 */
export async function applyBuildLimits(docker: Docker, limits: BuildLimits): Promise<AppliedLimits> {
  const info = (await docker.info()) as { CgroupDriver?: string; CgroupVersion?: string };
  if (info.CgroupDriver !== 'cgroupfs') {
    throw new Error(
      `dockerd uses the ${info.CgroupDriver ?? 'unknown'} cgroup driver, which gives BuildKit's steps no common cgroup to cap; ` +
        'run dockerd with "exec-opts": ["native.cgroupdriver=cgroupfs"] to cap builds',
    );
  }
  try {
    return info.CgroupVersion === '2' ? await applyV2(limits) : await applyV1(limits);
  } catch (error) {
    throw new Error(`could not write the caps into ${limits.cgroup}: ${messageOf(error)}`);
  }
}
