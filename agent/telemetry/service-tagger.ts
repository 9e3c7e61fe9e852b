import type Docker from 'dockerode';
import { Uuid } from '../../contracts/index.js';
import { LABEL } from '../runtime/docker.js';
import type { ServiceRegistry } from '../runtime/service-registry.js';

/** What every telemetry record is tagged with. */
export interface ServiceTag {
  service_id: string;
  deployment_id: string;
}

/** Resource attributes the agent injects into the containers it deploys (OTEL_RESOURCE_ATTRIBUTES). */
export const RESOURCE_ATTRIBUTE = { serviceId: 'syntra.service_id', deploymentId: 'syntra.deployment_id' } as const;

/* A sender the agent does not know yet may be a container started a moment ago: look again, but not on every request. */
const ADDRESS_REFRESH_MIN_INTERVAL_MS = 2_000;

/**
 * Names the service and deployment of telemetry: from what the sender says (resource
 * attributes, a Sentry key) or, failing that, from the container it comes from — the agent
 * knows each managed container's addresses on its networks and its labels.
 */
export class ServiceTagger {
  private byAddress = new Map<string, ServiceTag>();
  private refreshedAt = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly services: ServiceRegistry,
  ) {}

  /** The managed container sending from `remoteAddress`, or null for anything else (the host, another machine). */
  async fromAddress(remoteAddress: string | undefined): Promise<ServiceTag | null> {
    if (!remoteAddress) return null;
    const address = remoteAddress.replace(/^::ffff:/, '');
    const known = this.byAddress.get(address);
    if (known) return known;
    if (Date.now() - this.refreshedAt >= ADDRESS_REFRESH_MIN_INTERVAL_MS) {
      this.refreshing ??= this.refresh().finally(() => (this.refreshing = null));
      await this.refreshing;
    }
    return this.byAddress.get(address) ?? null;
  }

  /**
   * The sender's own word first (`syntra.service_id`, `syntra.deployment_id`); a missing
   * deployment is the sending container's, else the service's current one. Ids that are not
   * UUIDs name no service: records tagged with them could never be stored.
   */
  tag(serviceId: string | undefined, deploymentId: string | undefined, sender: ServiceTag | null): ServiceTag | null {
    if (!serviceId) return sender;
    if (!isUuid(serviceId) || (deploymentId !== undefined && !isUuid(deploymentId))) return null;
    const deployment =
      deploymentId ?? (sender?.service_id === serviceId ? sender.deployment_id : undefined) ?? this.services.find(serviceId)?.spec.deployment_id;
    return deployment ? { service_id: serviceId, deployment_id: deployment } : null;
  }

  /** Every service this agent runs. */
  serviceIds(): string[] {
    return this.services.serviceIds();
  }

  private async refresh(): Promise<void> {
    this.refreshedAt = Date.now();
    const containers = await this.docker.listContainers({ filters: this.services.ownedFilter() }).catch(() => []);
    const byAddress = new Map<string, ServiceTag>();
    for (const container of containers) {
      const serviceId = container.Labels[LABEL.serviceId];
      const deploymentId = container.Labels[LABEL.deploymentId];
      if (!serviceId || !deploymentId) continue;
      for (const network of Object.values(container.NetworkSettings?.Networks ?? {})) {
        if (network.IPAddress) byAddress.set(network.IPAddress, { service_id: serviceId, deployment_id: deploymentId });
      }
    }
    this.byAddress = byAddress;
  }
}

const isUuid = (value: string) => Uuid.safeParse(value).success;
