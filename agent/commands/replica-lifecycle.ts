import type { HealthCheckConfig } from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import {
  createReplica,
  removeContainer,
  startReplica,
  stopContainer,
  type Replica,
} from '../runtime/containers.js';
import { waitUntilHealthy, type HealthTarget, type ProbeResult } from '../runtime/health-check.js';
import type { ServiceState } from '../runtime/service-registry.js';
import { networkAddress } from '../runtime/service-proxy.js';

/*
 * The replica lifecycle every command shares: a replica serves traffic only between passing
 * its health check and being retired, so deploys, scales and restarts all keep the service's
 * endpoint answering.
 */

export function healthTarget(state: ServiceState, replica: Replica): HealthTarget {
  return { containerId: replica.containerId, hostPort: replica.hostPort, ip: replica.ip, servicePort: state.spec.config.port };
}

export async function createAndStart(context: AgentContext, state: ServiceState, index: number): Promise<Replica> {
  const containerId = await createReplica(context.docker, state.spec, index, context.services.ownerLabels());
  try {
    return await startReplica(context.docker, containerId);
  } catch (error) {
    await removeContainer(context.docker, containerId);
    throw error;
  }
}

export async function waitHealthy(
  context: AgentContext,
  state: ServiceState,
  replica: Replica,
  signal: AbortSignal,
  check: HealthCheckConfig | null = state.healthCheck,
): Promise<ProbeResult | null> {
  return waitUntilHealthy(context.docker, check, healthTarget(state, replica), signal);
}

/** Puts healthy replicas into the service's rotation, and Caddy's upstreams with them. */
export async function serve(context: AgentContext, state: ServiceState, replicas: readonly Replica[]): Promise<void> {
  for (const replica of replicas) {
    if (state.healthCheck) state.health.set(replica.containerId, 'healthy');
    if (replica.hostPort !== null) state.proxy?.add(replica.hostPort, networkAddress(replica, state.spec.config.port));
  }
  await context.edge?.rotationChanged(context.services, state);
}

/*
 * Takes a replica out of rotation and lets its open requests finish before it is stopped: Caddy,
 * which dials the replicas itself, is loaded without it and has its requests in flight waited for,
 * while the endpoint's own connections to it drain.
 */
export async function unserve(context: AgentContext, state: ServiceState, replica: Replica): Promise<void> {
  if (replica.hostPort === null || !state.proxy) return;
  const upstream = state.proxy.upstreamOf(replica.hostPort);
  state.proxy.remove(replica.hostPort);
  await Promise.all([context.edge?.drain(context.services, upstream), state.proxy.drain(replica.hostPort)]);
}

/** A new replica, created, started and healthy, then in rotation; removed again if any step fails. */
export async function launch(context: AgentContext, state: ServiceState, index: number, signal: AbortSignal): Promise<Replica> {
  const replica = await createAndStart(context, state, index);
  try {
    await waitHealthy(context, state, replica, signal);
  } catch (error) {
    await removeContainer(context.docker, replica.containerId);
    throw error;
  }
  await serve(context, state, [replica]);
  return replica;
}

/** Out of rotation, stopped gracefully, and removed when `remove`. */
export async function retire(
  context: AgentContext,
  state: ServiceState,
  replica: Replica,
  options: { timeoutSeconds: number; remove: boolean },
): Promise<void> {
  await unserve(context, state, replica);
  await stopContainer(context.docker, replica.containerId, options.timeoutSeconds);
  if (!options.remove) return;
  await removeContainer(context.docker, replica.containerId);
  state.health.delete(replica.containerId);
  state.crashRestarts.delete(replica.containerId);
}

/** The lowest replica numbers not taken by `replicas`, so names stay short and predictable. */
export function freeIndexes(replicas: readonly Replica[], count: number): number[] {
  const taken = new Set(replicas.map((replica) => replica.index));
  const indexes: number[] = [];
  for (let index = 0; indexes.length < count; index++) if (!taken.has(index)) indexes.push(index);
  return indexes;
}
