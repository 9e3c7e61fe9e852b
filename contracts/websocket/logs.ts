import { z } from 'zod';
import { IsoDateTime, NonNegativeInt, RequestId, Uuid } from '../primitives.js';

export const LogsSubscribePayload = z.object({
  request_id: RequestId,
  service_id: Uuid,
  follow: z.boolean(),
  tail: NonNegativeInt.describe('Number of lines from the end'),
  since: IsoDateTime.optional(),
  until: IsoDateTime.optional(),
});
export type LogsSubscribePayload = z.infer<typeof LogsSubscribePayload>;

/** Ends a subscription; it carries its own request_id so its command_response is not mistaken for the subscription's. */
export const LogsUnsubscribePayload = z.object({
  request_id: RequestId,
  subscription_id: RequestId.describe('The request_id of the logs_subscribe to end'),
  service_id: Uuid,
});
export type LogsUnsubscribePayload = z.infer<typeof LogsUnsubscribePayload>;

export const ContainerLogLine = z.object({
  timestamp: IsoDateTime,
  stream: z.enum(['stdout', 'stderr']),
  line: z.string(),
});
export type ContainerLogLine = z.infer<typeof ContainerLogLine>;

export const LogStreamPayload = z.object({
  request_id: RequestId.describe('The request_id of the logs_subscribe this answers'),
  service_id: Uuid,
  container_id: z.string().min(1),
  lines: z.array(ContainerLogLine),
  eof: z.boolean().optional().describe('True on the last chunk: the tail ended or until was reached'),
});
export type LogStreamPayload = z.infer<typeof LogStreamPayload>;
