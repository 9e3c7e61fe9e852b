import { z } from 'zod';
import { JsonObject, Semver } from '../primitives.js';

export const DependencyHealth = z.object({
  status: z.enum(['up', 'down']),
  version: z.string().nullable(),
  latency_ms: z.number().nonnegative().nullable(),
  mode: z.enum(['embedded', 'external']).describe('embedded: started and owned by Syntra'),
  error: z.string().optional(),
  details: JsonObject.optional(),
});
export type DependencyHealth = z.infer<typeof DependencyHealth>;

export const HealthReport = z.object({
  status: z.enum(['ok', 'degraded']),
  version: Semver.describe('Control plane release'),
  uptime_seconds: z.number().nonnegative(),
  dependencies: z.object({
    postgres: DependencyHealth,
    clickhouse: DependencyHealth,
    temporal: DependencyHealth,
  }),
});
export type HealthReport = z.infer<typeof HealthReport>;
