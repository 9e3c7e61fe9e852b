import Docker from 'dockerode';

/*
 * Every container and network the agent creates carries these labels. They are how the agent
 * finds its own work again after a restart (nothing else is persisted) and how it stays away
 * from containers it did not create.
 */
export const LABEL = {
  managed: 'syntra.managed',
  serviceId: 'syntra.service_id',
  deploymentId: 'syntra.deployment_id',
  project: 'syntra.project',
  replica: 'syntra.replica',
  /** The server (as the control plane knows it) whose agent owns the container. */
  serverId: 'syntra.server_id',
  /** The service's deploy spec without secret values, to run more replicas after an agent restart. */
  spec: 'syntra.spec',
} as const;

/** The Docker Engine named by DOCKER_HOST, or the local socket. */
export function connectDocker(): Docker {
  return new Docker();
}

/** Lower-case letters, digits and dashes: valid in container, network and volume names. */
export function slug(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned === '' ? 'x' : cleaned;
}

/** Label filter for `listContainers` / `listNetworks`: managed by Syntra, optionally one service only. */
export function managedFilter(match: { serviceId?: string; serverId?: string } = {}): { label: string[] } {
  const label = [`${LABEL.managed}=true`];
  if (match.serviceId !== undefined) label.push(`${LABEL.serviceId}=${match.serviceId}`);
  if (match.serverId !== undefined) label.push(`${LABEL.serverId}=${match.serverId}`);
  return { label };
}

/** Containers of one service (running or not), oldest replica first. */
export async function listServiceContainers(docker: Docker, serviceId: string): Promise<Docker.ContainerInfo[]> {
  const containers = await docker.listContainers({ all: true, filters: managedFilter({ serviceId }) });
  return containers.sort((a, b) => replicaIndex(a.Labels) - replicaIndex(b.Labels) || a.Created - b.Created);
}

export function replicaIndex(labels: Record<string, string> | undefined): number {
  const value = Number(labels?.[LABEL.replica]);
  return Number.isInteger(value) ? value : 0;
}
