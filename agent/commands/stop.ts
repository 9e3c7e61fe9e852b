import type { StopPayload } from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import { removeProjectNetworkIfUnused } from '../runtime/network.js';
import { retire } from './replica-lifecycle.js';

export interface StopResult {
  stopped: string[];
  removed: boolean;
}

/**
 * Stops every container of the service (each gets `timeout_seconds` after SIGTERM), and with
 * `remove_container` removes them, forgets the service and drops its project network once unused.
 * A stopped service stays stopped: the crash supervisor leaves it alone until a deploy, scale or restart.
 */
export async function stopService(context: AgentContext, payload: StopPayload): Promise<StopResult> {
  return context.services.exclusive(payload.service_id, async () => {
    const state = await context.services.load(payload.service_id);
    state.stopped = true;
    const replicas = await context.services.replicas(payload.service_id);
    await Promise.all(
      replicas.map((replica) => retire(context, state, replica, { timeoutSeconds: payload.timeout_seconds, remove: payload.remove_container })),
    );
    if (payload.remove_container) {
      await context.services.forget(payload.service_id);
      await context.edge?.sync(context.services);
      await removeProjectNetworkIfUnused(context.docker, state.spec.project_name);
    }
    return { stopped: replicas.map((replica) => replica.containerId), removed: payload.remove_container };
  });
}
