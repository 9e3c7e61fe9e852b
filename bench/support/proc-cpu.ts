import { readdirSync, readFileSync } from 'node:fs';

/*
 * CPU time from /proc (Linux), in milliseconds: the kernel counts it in clock ticks of 10 ms.
 * utime and stime are fields 14 and 15 of a stat line, counted from the state after the command
 * name (which may hold spaces, hence the split at its closing parenthesis).
 */
const MS_PER_TICK = 10;

function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** User + system CPU a process has used so far. */
export function processCpuMs(pid: number): number {
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** A process's resident memory now, in MB. */
export function processRssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** CPU time of each thread of a process so far, keyed `name#tid`. */
export function threadCpuMs(pid: number): Map<string, number> {
  const byThread = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    // Node's own threads (libuv's pool, where chDB runs queries, and V8's helpers) are all "node".
    const name = task === String(pid) ? 'JavaScript' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/^node$/, 'libuv and V8 helpers');
    byThread.set(`${name}#${task}`, statCpuMs(stat));
  }
  return byThread;
}

/** What each thread name used between two `threadCpuMs` readings, the busiest first. */
export function cpuByThreadName(from: Map<string, number>, to: Map<string, number>): [string, number][] {
  const byName = new Map<string, number>();
  for (const [thread, ms] of to) {
    const name = thread.slice(0, thread.lastIndexOf('#'));
    byName.set(name, (byName.get(name) ?? 0) + ms - (from.get(thread) ?? 0));
  }
  return [...byName].filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]);
}

/** Busy and idle CPU time of the whole machine so far, all cores. */
export function machineCpu(): { busyMs: number; idleMs: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number) as number[];
  return { busyMs: (user! + nice! + system! + irq! + softirq! + steal!) * MS_PER_TICK, idleMs: (idle! + iowait!) * MS_PER_TICK };
}
