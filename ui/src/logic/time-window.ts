import type { MetricWindow } from '../api/endpoints.js';

/* The time ranges the operator's pages offer, and the metric interval that suits each. */

export const timeWindows = [
  { id: '15m', label: 'Last 15 minutes', ms: 15 * 60_000, interval: '1m' },
  { id: '1h', label: 'Last hour', ms: 3_600_000, interval: '1m' },
  { id: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000, interval: '5m' },
  { id: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000, interval: '5m' },
  { id: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000, interval: '1h' },
] as const;

export type TimeWindowId = (typeof timeWindows)[number]['id'];

export function windowOf(id: TimeWindowId, now: number): MetricWindow {
  const chosen = timeWindows.find((window) => window.id === id) ?? timeWindows[1];
  return { from: new Date(now - chosen.ms).toISOString(), to: new Date(now).toISOString(), interval: chosen.interval };
}
