import type { ScalePayload } from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import type { Replica } from '../runtime/containers.js';
import { replicaEndpoints, type ReplicaEndpoint } from './deploy-reporter.js';
import { freeIndexes, launch, retire } from './replica-lifecycle.js';

/** Replicas scaled away get this long to finish after SIGTERM. */
export const SCALE_DOWN_STOP_TIMEOUT_SECONDS = 10;
/* Bounds the wait for new replicas' health checks (their own retries usually end it sooner). */
const SCALE_HEALTH_WAIT_MS = 120_000;

export interface ScaleResult {
  replicas: number;
  endpoint: string | null;
  running: ReplicaEndpoint[];
}

/**
 * Brings the current deployment to `replicas` containers. New replicas are created from the
 * deployment's spec (in memory, or rebuilt from container labels after an agent restart) and
 * join the endpoint once healthy; surplus replicas leave it, drain, and are removed, highest
 * replica number and non-running ones first. `immediate` acts on all at once, `rolling` one by
 * one. If a new replica fails, the ones this scale added are removed again.
 */
export async function scaleService(context: AgentContext, payload: ScalePayload): Promise<ScaleResult> {
  return context.services.exclusive(payload.service_id, async () => {
    const state = await context.services.load(payload.service_id);
    state.stopped = false;
    const current = await context.services.currentReplicas(state);
    const signal = AbortSignal.timeout(SCALE_HEALTH_WAIT_MS);
    const added: Replica[] = [];

    if (payload.replicas > current.length) {
      const indexes = freeIndexes(current, payload.replicas - current.length);
      try {
        if (payload.strategy === 'immediate') {
          const launched = await Promise.allSettled(indexes.map((index) => launch(context, state, index, signal)));
          for (const result of launched) if (result.status === 'fulfilled') added.push(result.value);
          const failed = launched.find((result) => result.status === 'rejected');
          if (failed) throw failed.reason;
        } else {
          for (const index of indexes) added.push(await launch(context, state, index, signal));
        }
      } catch (error) {
        for (const replica of added) {
          await retire(context, state, replica, { timeoutSeconds: 0, remove: true });
        }
        throw error;
      }
    }

    const surplus = [...current]
      .sort((a, b) => Number(a.running) - Number(b.running) || b.index - a.index)
      .slice(0, Math.max(0, current.length - payload.replicas));
    const leave = (replica: Replica) => retire(context, state, replica, { timeoutSeconds: SCALE_DOWN_STOP_TIMEOUT_SECONDS, remove: true });
    if (payload.strategy === 'immediate') await Promise.all(surplus.map(leave));
    else for (const replica of surplus) await leave(replica);

    // The spec (and the label of replicas created later) records the count; zero is "stopped", not a deploy size.
    if (payload.replicas > 0) state.spec = { ...state.spec, config: { ...state.spec.config, replicas: payload.replicas } };
    const remaining = [...current.filter((replica) => !surplus.includes(replica)), ...added];
    return { replicas: remaining.length, endpoint: state.proxy?.endpoint ?? null, running: replicaEndpoints(remaining) };
  });
}
