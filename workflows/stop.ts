import type { StopInput } from '../contracts/operations.js';
import { runServiceCommand } from './service-command.js';

/** Each container gets this long to stop gracefully before Docker kills it. */
const gracefulStopSeconds = 10;
/** The agent may be offline when a service is deleted: it gets the stop when it comes back, within this. */
const stopTimeoutSeconds = 600;

/** `stop-<serviceId>-<id>`: the service's containers stopped, and removed when the service is deleted. */
export async function stopService(input: StopInput): Promise<void> {
  await runServiceCommand(
    input.serverId,
    (requestId) => ({
      type: 'stop',
      payload: { request_id: requestId, service_id: input.serviceId, timeout_seconds: gracefulStopSeconds, remove_container: input.removeContainers },
    }),
    // A service that never ran on the server has nothing to stop.
    { timeoutSeconds: stopTimeoutSeconds, doneAlready: 'CONTAINER_NOT_FOUND' },
  );
}
