import { z } from 'zod';
import { IsoDateTime, JsonObject, Uuid } from '../primitives.js';
import { ServerProtocolId } from './ids.js';

export const AlertPayload = z.object({
  alert_id: Uuid,
  service_id: Uuid.optional(),
  server_id: ServerProtocolId,
  type: z.enum(['health_check_failed', 'resource_critical', 'container_crash', 'deployment_failed']),
  severity: z.enum(['warning', 'critical']),
  title: z.string().min(1),
  message: z.string(),
  timestamp: IsoDateTime,
  metadata: JsonObject,
});
export type AlertPayload = z.infer<typeof AlertPayload>;
