import type { Server } from '../../../contracts/api/resources.js';

/* How times, durations and sizes read on every page. */

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A latency: milliseconds to a tenth below 10 ms (a fast request is 0.4 ms, not 0), whole ones above, then seconds. */
export function formatLatency(ms: number): string {
  if (ms < 10) return `${Math.round(ms * 10) / 10} ms`;
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** A share of 0..1 as a percentage, to a tenth below 10 %. */
export function formatPercent(share: number): string {
  const percent = share * 100;
  return `${percent < 10 ? Math.round(percent * 10) / 10 : Math.round(percent)} %`;
}

/** From start to finish, or to `now` while it runs; null before it starts. */
export function elapsedMs(startedAt: string | null, finishedAt: string | null, now: number): number | null {
  if (!startedAt) return null;
  return Math.max(0, (finishedAt ? Date.parse(finishedAt) : now) - Date.parse(startedAt));
}

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function formatMemory(mb: number | null): string {
  if (mb === null) return '—';
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb} MB`;
}

export const shortId = (id: string) => id.slice(0, 8);

type ServerLoad = Pick<Server, 'cpu_cores' | 'memory_mb' | 'disk_gb' | 'usage'>;

/** "37 % of 4 cores" from the last heartbeat; the capacity alone before the first one. */
export function formatCpu(server: ServerLoad): string {
  const cores = server.cpu_cores === null ? null : `${server.cpu_cores} cores`;
  if (!server.usage) return cores ?? '—';
  return `${Math.round(server.usage.cpu_usage_percent)} %${cores ? ` of ${cores}` : ''}`;
}

export function formatMemoryUse(server: ServerLoad): string {
  if (!server.usage) return formatMemory(server.memory_mb);
  const total = server.usage.memory_used_mb + server.usage.memory_available_mb;
  return `${formatMemory(Math.round(server.usage.memory_used_mb))} of ${formatMemory(Math.round(total))}`;
}

export function formatDiskUse(server: ServerLoad): string {
  if (!server.usage) return server.disk_gb === null ? '—' : `${server.disk_gb} GB`;
  const total = server.usage.disk_used_gb + server.usage.disk_available_gb;
  return `${server.usage.disk_used_gb.toFixed(1)} of ${total.toFixed(1)} GB`;
}
