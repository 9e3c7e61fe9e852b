import { z } from 'zod';
import { AbsolutePath, NonNegativeInt, Port, PositiveInt, RequestId, Uuid } from '../primitives.js';

const healthCheckTiming = {
  interval_seconds: PositiveInt,
  timeout_seconds: PositiveInt,
  retries: NonNegativeInt,
  start_period_seconds: NonNegativeInt,
};

/*
 * A union on `type` rather than the contract's one object with every field optional: an exec
 * check without a command cannot run, and a union makes that a validation error at the boundary.
 */
export const HealthCheckConfig = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('http'),
    path: AbsolutePath.optional().describe('Defaults to "/"'),
    port: Port.optional().describe("Defaults to the service's port"),
    ...healthCheckTiming,
  }),
  z.object({
    type: z.literal('tcp'),
    port: Port.optional().describe("Defaults to the service's port"),
    ...healthCheckTiming,
  }),
  z.object({
    type: z.literal('exec'),
    command: z.array(z.string()).min(1),
    ...healthCheckTiming,
  }),
]);
export type HealthCheckConfig = z.infer<typeof HealthCheckConfig>;

export const ConfigureHealthCheckPayload = z.object({
  request_id: RequestId,
  service_id: Uuid,
  health_check: HealthCheckConfig.nullable().describe('null turns health checking off'),
});
export type ConfigureHealthCheckPayload = z.infer<typeof ConfigureHealthCheckPayload>;
