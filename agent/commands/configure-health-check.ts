import type { ConfigureHealthCheckPayload, HealthCheckConfig } from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import { probeOnce, type ProbeResult } from '../runtime/health-check.js';
import { healthTarget } from './replica-lifecycle.js';

export interface ConfigureHealthCheckResult {
  health_check: HealthCheckConfig | null;
  /** One probe of each running replica with the new check, so the caller sees at once whether it passes. */
  probes: (ProbeResult & { container_id: string })[];
}

/**
 * Replaces a running service's health check without a redeploy: the periodic monitor, later
 * scales and restarts use it, and replicas created from now on carry it in their spec label.
 * It lives in memory (and in new labels): after an agent restart, running containers' labels
 * still name the check they were deployed with.
 */
export async function configureHealthCheck(
  context: AgentContext,
  payload: ConfigureHealthCheckPayload,
): Promise<ConfigureHealthCheckResult> {
  return context.services.exclusive(payload.service_id, async () => {
    const state = await context.services.load(payload.service_id);
    state.healthCheck = payload.health_check;
    const { health_check: _previous, ...config } = state.spec.config;
    state.spec = { ...state.spec, config: payload.health_check === null ? config : { ...config, health_check: payload.health_check } };
    const check = payload.health_check;
    if (check === null) return { health_check: null, probes: [] };
    const running = (await context.services.replicas(payload.service_id)).filter(
      (replica) => replica.running && replica.deploymentId === state.spec.deployment_id,
    );
    const probes = await Promise.all(
      running.map(async (replica) => ({
        container_id: replica.containerId,
        ...(await probeOnce(context.docker, check, healthTarget(state, replica))),
      })),
    );
    return { health_check: check, probes };
  });
}
