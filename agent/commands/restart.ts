import type { RestartPayload } from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import { inspectReplica, type Replica } from '../runtime/containers.js';
import { replicaEndpoints, type ReplicaEndpoint } from './deploy-reporter.js';
import { serve, unserve, waitHealthy } from './replica-lifecycle.js';

/* Bounds the wait for a restarted replica's health check (its own retries usually end it sooner). */
const RESTART_HEALTH_WAIT_MS = 120_000;

export interface RestartResult {
  endpoint: string | null;
  replicas: ReplicaEndpoint[];
}

/**
 * Restarts the service's containers one at a time, each out of rotation until its health check
 * passes again, so a service with two or more replicas keeps answering throughout. Stopped
 * replicas are started. Docker assigns a new host port on every start; the endpoint stays.
 */
export async function restartService(context: AgentContext, payload: RestartPayload): Promise<RestartResult> {
  return context.services.exclusive(payload.service_id, async () => {
    const state = await context.services.load(payload.service_id);
    state.stopped = false;
    const restarted: Replica[] = [];
    for (const replica of await context.services.currentReplicas(state)) {
      await unserve(context, state, replica);
      await context.docker.getContainer(replica.containerId).restart({ t: payload.timeout_seconds });
      const fresh = await inspectReplica(context.docker, replica.containerId);
      await waitHealthy(context, state, fresh, AbortSignal.timeout(RESTART_HEALTH_WAIT_MS));
      await serve(context, state, [fresh]);
      restarted.push(fresh);
    }
    return { endpoint: state.proxy?.endpoint ?? null, replicas: replicaEndpoints(restarted) };
  });
}
