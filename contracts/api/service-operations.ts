import { z } from 'zod';
import { IsoDateTime, NonNegativeInt, Uuid } from '../primitives.js';
import { TemporalWorkflowRef } from './resources.js';

/*
 * `GET /services/:serviceId/operations`: what was done to a service and the Temporal workflow
 * that did it, read from the audit log, where every operation is recorded with its workflow in
 * the transaction that queues it (so one still waiting behind another is listed too).
 */

export const ServiceOperationKind = z.enum(['deploy', 'rollback', 'restart', 'scale', 'stop', 'health_check']);
export type ServiceOperationKind = z.infer<typeof ServiceOperationKind>;

export const ServiceOperationRecord = z.object({
  kind: ServiceOperationKind.describe('`health_check`: a changed health check sent to the running replicas'),
  at: IsoDateTime,
  user_id: Uuid.nullable().describe('Who asked for it; null for workflows, schedules and automation'),
  deployment_id: Uuid.nullable().describe('The deployment a deploy or rollback created'),
  replicas: z.object({ from: NonNegativeInt, to: NonNegativeInt }).nullable().describe('What a scale changed'),
  workflow: TemporalWorkflowRef,
});
export type ServiceOperationRecord = z.infer<typeof ServiceOperationRecord>;

export const ServiceOperationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type ServiceOperationListQuery = z.infer<typeof ServiceOperationListQuery>;
