import type Docker from 'dockerode';
import type { HealthCheckConfig } from '../../contracts/index.js';
import { AgentError } from '../errors.js';
import { replicaFromInspect, type Replica } from './containers.js';
import { LABEL, listServiceContainers, managedFilter } from './docker.js';
import { networkAddress, ServiceProxy } from './service-proxy.js';
import { needsEndpoint, specFromContainer, type ServiceSpec } from './service-spec.js';

/** What the agent remembers about a service between commands. */
export interface ServiceState {
  /** The current deployment's spec; new replicas (scale) are created from it. */
  spec: ServiceSpec;
  /** The check in force: the deploy's, or what `configure_health_check` set since; null means none. */
  healthCheck: HealthCheckConfig | null;
  /** The stable endpoint, for services with `networking.expose_port` or domains. */
  proxy: ServiceProxy | null;
  /** Set by `stop`: the supervisor must not bring the service's containers back. */
  stopped: boolean;
  /** Restarts the agent made after crashes, by container id (restart policy is "no", so Docker's count stays 0). */
  crashRestarts: Map<string, number>;
  /** The periodic health check's verdict per container id; absent means not checked yet. */
  health: Map<string, 'healthy' | 'unhealthy'>;
}

/**
 * The agent's memory of its services, rebuilt from container labels after an agent restart,
 * and a per-service lock so that deploys, scales, restarts and stops of one service never
 * interleave (the control plane runs one operation per service, but repeats can arrive).
 */
export class ServiceRegistry {
  private readonly states = new Map<string, ServiceState>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private attached = false;

  /*
   * Several agents may share one Docker Engine (two control planes, or tests): each adopts,
   * supervises and reports only the containers labelled with its own server.
   */
  constructor(
    private readonly docker: Docker,
    private serverId: string | null = null,
  ) {}

  /**
   * Binds the registry to its server once the control plane has named it, and on the first
   * binding takes back that server's services from Docker (after an agent restart).
   */
  async attach(serverId: string): Promise<void> {
    if (this.serverId === serverId && this.attached) return;
    this.serverId = serverId;
    await this.loadAll();
    this.attached = true;
  }

  /** Labels every container this agent creates carries, so that only it adopts them again. */
  ownerLabels(): Record<string, string> {
    return this.serverId === null ? {} : { [LABEL.serverId]: this.serverId };
  }

  /** The Docker filter for this agent's own containers. */
  ownedFilter(): { label: string[] } {
    return managedFilter(this.serverId === null ? {} : { serverId: this.serverId });
  }

  async exclusive<T>(serviceId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(serviceId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.queues.set(serviceId, settled);
    void settled.then(() => {
      if (this.queues.get(serviceId) === settled) this.queues.delete(serviceId);
    });
    return run;
  }

  isBusy(serviceId: string): boolean {
    return this.queues.has(serviceId);
  }

  serviceIds(): string[] {
    return [...this.states.keys()];
  }

  find(serviceId: string): ServiceState | undefined {
    return this.states.get(serviceId);
  }

  /** The service's state, rebuilt from its newest container when the agent has none in memory. */
  async load(serviceId: string): Promise<ServiceState> {
    const known = this.states.get(serviceId);
    if (known) return known;
    const containers = await listServiceContainers(this.docker, serviceId);
    const newest = [...containers].sort((a, b) => b.Created - a.Created)[0];
    if (!newest) throw new AgentError('CONTAINER_NOT_FOUND', `No container of service ${serviceId} runs on this server`);
    const inspected = await this.docker.getContainer(newest.Id).inspect();
    const spec = specFromContainer(inspected.Config.Labels?.[LABEL.spec], inspected.Config.Env ?? []);
    if (!spec) throw new AgentError('CONTAINER_NOT_FOUND', `Service ${serviceId} has containers but no readable ${LABEL.spec} label`);
    const state = await this.adopt(spec);
    for (const replica of await this.replicas(serviceId)) {
      if (replica.running && replica.deploymentId === spec.deployment_id && replica.hostPort !== null) {
        state.proxy?.add(replica.hostPort, networkAddress(replica, spec.config.port));
      }
    }
    return state;
  }

  /** Rebuilds every service found in Docker, so that after an agent restart the supervisor watches them all again. */
  async loadAll(): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: this.ownedFilter() });
    const serviceIds = new Set(containers.map((container) => container.Labels[LABEL.serviceId]).filter((id): id is string => !!id));
    // A service whose label this agent cannot read is left alone rather than stopping the start-up.
    for (const serviceId of serviceIds) await this.load(serviceId).catch(() => undefined);
  }

  /** Makes `spec` the service's current deployment, keeping its endpoint (the stable port) if it had one. */
  async adopt(spec: ServiceSpec): Promise<ServiceState> {
    const existing = this.states.get(spec.service_id);
    let proxy = existing?.proxy ?? null;
    if (needsEndpoint(spec) && !proxy) proxy = await ServiceProxy.open();
    if (!needsEndpoint(spec) && proxy) {
      await proxy.close();
      proxy = null;
    }
    const state: ServiceState = {
      spec,
      healthCheck: spec.config.health_check ?? null,
      proxy,
      stopped: false,
      crashRestarts: existing?.crashRestarts ?? new Map(),
      health: existing?.health ?? new Map(),
    };
    this.states.set(spec.service_id, state);
    return state;
  }

  /** Every container of the service, current deployment or not, as replicas. */
  async replicas(serviceId: string): Promise<Replica[]> {
    const containers = await listServiceContainers(this.docker, serviceId);
    const replicas: Replica[] = [];
    for (const container of containers) {
      try {
        replicas.push(replicaFromInspect(await this.docker.getContainer(container.Id).inspect()));
      } catch {
        // Removed between the list and the inspect: it is no replica any more.
      }
    }
    return replicas;
  }

  /** The replicas of the service's current deployment: what scale, restart and the supervisor act on. */
  async currentReplicas(state: ServiceState): Promise<Replica[]> {
    return (await this.replicas(state.spec.service_id)).filter((replica) => replica.deploymentId === state.spec.deployment_id);
  }

  /** Drops a removed service: its endpoint closes and its port is given back. */
  async forget(serviceId: string): Promise<void> {
    const state = this.states.get(serviceId);
    this.states.delete(serviceId);
    await state?.proxy?.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.states.keys()].map((serviceId) => this.forget(serviceId)));
  }
}
