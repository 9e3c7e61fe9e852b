import type { RestartInput } from '../contracts/operations.js';
import { runServiceCommand } from './service-command.js';

/** Each replica gets this long to stop gracefully before Docker kills it. */
const gracefulStopSeconds = 10;
/** Replicas restart one at a time, each healthy before the next. */
const restartTimeoutSeconds = 300;

/** `restart-<serviceId>-<id>`: every replica restarted in turn, so the service keeps answering. */
export async function restartService(input: RestartInput): Promise<void> {
  await runServiceCommand(
    input.serverId,
    (requestId) => ({ type: 'restart', payload: { request_id: requestId, service_id: input.serviceId, timeout_seconds: gracefulStopSeconds } }),
    { timeoutSeconds: restartTimeoutSeconds },
  );
}
