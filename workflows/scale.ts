import type { ScaleInput } from '../contracts/operations.js';
import { runServiceCommand } from './service-command.js';

/** Replicas start one at a time and each must pass its health check before it serves. */
const scaleTimeoutSeconds = 300;

/** `scale-<serviceId>-<id>`: the running deployment to `replicas` (the service row already says so). */
export async function scaleService(input: ScaleInput): Promise<void> {
  await runServiceCommand(
    input.serverId,
    (requestId) => ({ type: 'scale', payload: { request_id: requestId, service_id: input.serviceId, replicas: input.replicas, strategy: 'rolling' } }),
    { timeoutSeconds: scaleTimeoutSeconds },
  );
}
