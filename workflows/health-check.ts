import type { HealthCheckChangeInput } from '../contracts/operations.js';
import { runServiceCommand } from './service-command.js';

/** The agent probes each running replica once with the new check before it answers. */
const applyTimeoutSeconds = 120;

/**
 * `health-check-<serviceId>-<id>`: a changed health check applied to the service's running
 * replicas without a redeploy. It runs in the service's queue, so a deploy queued before the
 * change (whose spec carries the old check) cannot overwrite it afterwards.
 */
export async function applyHealthCheck(input: HealthCheckChangeInput): Promise<void> {
  await runServiceCommand(
    input.serverId,
    (requestId) => ({ type: 'configure_health_check', payload: { request_id: requestId, service_id: input.serviceId, health_check: input.healthCheck } }),
    // Nothing of the service runs on the server (stopped or removed): its next deploy carries the check.
    { timeoutSeconds: applyTimeoutSeconds, doneAlready: 'CONTAINER_NOT_FOUND' },
  );
}
