import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeCpuQuota } from '../../agent/build/build-limits.js';

/*
 * A cgroup with a CPU quota, for benchmarks that stand in for machines of their own on this one:
 * each control-plane process gets a fixed share of a core, so adding a process adds CPU the way
 * adding a machine would, instead of splitting the same two cores. Processes enter it before they
 * run (see `wrap`), so every thread they start is capped from the first instruction.
 */

const cgroupRoot = '/sys/fs/cgroup';

async function isCgroupV2(): Promise<boolean> {
  return access(path.join(cgroupRoot, 'cgroup.controllers')).then(
    () => true,
    () => false,
  );
}

export class CpuCap {
  private constructor(
    private readonly dir: string,
    readonly cpus: number,
  ) {}

  /** A new cgroup `syntra-bench/<name>` capped at `cpus` (e.g. 0.25 of one core). Needs root. */
  static async create(name: string, cpus: number): Promise<CpuCap> {
    const v2 = await isCgroupV2();
    const parent = path.join(cgroupRoot, ...(v2 ? [] : ['cpu']), 'syntra-bench');
    const dir = path.join(parent, name);
    await mkdir(dir, { recursive: true });
    if (v2) {
      // A controller's files exist only where the parents delegate it.
      await writeFile(path.join(cgroupRoot, 'cgroup.subtree_control'), '+cpu');
      await writeFile(path.join(parent, 'cgroup.subtree_control'), '+cpu');
    }
    await writeCpuQuota(dir, cpus, v2 ? 2 : 1);
    return new CpuCap(dir, cpus);
  }

  /** A command line that moves the shell into the cgroup and then becomes `command`. */
  wrap(command: string, args: string[]): { command: string; args: string[] } {
    return { command: '/bin/sh', args: ['-c', 'echo $$ > "$0" && exec "$@"', path.join(this.dir, 'cgroup.procs'), command, ...args] };
  }

  /** How often, and for how long in all, the quota held the cgroup back so far. */
  async throttled(): Promise<{ periods: number; ms: number }> {
    const stat = await readFile(path.join(this.dir, 'cpu.stat'), 'utf8');
    const field = (key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
    // v1 counts throttled time in ns, v2 in µs.
    const ms = stat.includes('throttled_usec') ? field('throttled_usec') / 1000 : field('throttled_time') / 1e6;
    return { periods: field('nr_throttled'), ms: Math.round(ms) };
  }

  /** Removes the cgroup once its processes have exited. */
  async remove(): Promise<void> {
    await rmdir(this.dir).catch(() => {});
  }
}
