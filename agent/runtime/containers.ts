import type Docker from 'dockerode';
import { AgentError, isNotFound, isNotModified, messageOf } from '../errors.js';
import { LABEL, replicaIndex, slug } from './docker.js';
import { decodeLogBuffer } from './log-frames.js';
import { projectNetworkName } from './network.js';
import { imageReference, needsEndpoint, specLabel, type ServiceSpec } from './service-spec.js';

const NANO_CPUS_PER_CPU = 1e9;
const BYTES_PER_UNIT: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** One running (or stopped) container of a service, as the agent routes to and reports it. */
export interface Replica {
  containerId: string;
  name: string;
  serviceId: string;
  deploymentId: string;
  /** The replica number in its name and `syntra.replica` label; freed numbers are reused. */
  index: number;
  running: boolean;
  /** Port published on 127.0.0.1 when the service has an endpoint (`needsEndpoint`); Docker picks it again on every start. */
  hostPort: number | null;
  /** Address on the project network. */
  ip: string | null;
  startedAt: string | null;
  exitCode: number | null;
}

/** `docker run --cpus` semantics: "0.5" is half a CPU. */
export function cpuLimitToNanoCpus(cpuLimit: string): number {
  return Math.round(Number(cpuLimit) * NANO_CPUS_PER_CPU);
}

/** `docker run --memory` semantics: binary units, "256m" is 256 MiB; no unit means bytes. */
export function memoryLimitToBytes(memoryLimit: string): number {
  const match = /^(\d+)([bkmg]?)$/i.exec(memoryLimit);
  if (!match) throw new AgentError('CREATE_FAILED', `memory limit ${JSON.stringify(memoryLimit)} is not a number with b, k, m or g`);
  return Number(match[1]) * BYTES_PER_UNIT[(match[2] || 'b').toLowerCase()]!;
}

/* Named volumes are scoped to the project so two projects' "data" volumes never meet. */
function volumeMounts(spec: ServiceSpec): Docker.MountSettings[] {
  return (spec.config.volumes ?? []).map((volume) =>
    volume.host_path === undefined
      ? {
          Type: 'volume',
          Source: `syntra-${slug(spec.project_name)}-${slug(volume.name)}`,
          Target: volume.container_path,
          ReadOnly: volume.read_only,
        }
      : { Type: 'bind', Source: volume.host_path, Target: volume.container_path, ReadOnly: volume.read_only },
  );
}

export function containerName(spec: ServiceSpec, replica: number): string {
  return `syntra-${slug(spec.project_name)}-${slug(spec.service_name)}-${spec.deployment_id.slice(0, 8)}-${replica}`;
}

/**
 * Creates (does not start) one replica on the project network, reachable there by the
 * service's internal hostname. Restart policy "no": the agent itself restarts crashed
 * containers so it can count the restarts and raise a crash-loop alert.
 */
export async function createReplica(docker: Docker, spec: ServiceSpec, replica: number, ownerLabels: Record<string, string>): Promise<string> {
  const network = projectNetworkName(spec.project_name);
  const containerPort = `${spec.config.port}/tcp`;
  try {
    const container = await docker.createContainer({
      name: containerName(spec, replica),
      Image: imageReference(spec.image),
      Env: Object.entries(spec.config.env_vars).map(([name, value]) => `${name}=${value}`),
      Labels: {
        ...spec.config.labels,
        ...ownerLabels,
        [LABEL.managed]: 'true',
        [LABEL.serviceId]: spec.service_id,
        [LABEL.deploymentId]: spec.deployment_id,
        [LABEL.project]: spec.project_name,
        [LABEL.replica]: String(replica),
        [LABEL.spec]: specLabel(spec),
      },
      ExposedPorts: { [containerPort]: {} },
      HostConfig: {
        NetworkMode: network,
        RestartPolicy: { Name: 'no' },
        Mounts: volumeMounts(spec),
        ...(spec.config.cpu_limit === undefined ? {} : { NanoCpus: cpuLimitToNanoCpus(spec.config.cpu_limit) }),
        ...(spec.config.memory_limit === undefined ? {} : { Memory: memoryLimitToBytes(spec.config.memory_limit) }),
        // An empty HostPort asks Docker for an ephemeral port: replicas of one service never collide.
        ...(needsEndpoint(spec) ? { PortBindings: { [containerPort]: [{ HostIp: '127.0.0.1', HostPort: '' }] } } : {}),
      },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [spec.networking.internal_hostname] } } },
    });
    return container.id;
  } catch (error) {
    if (error instanceof AgentError) throw error;
    throw new AgentError('CREATE_FAILED', `Creating replica ${replica} of ${spec.service_name} failed: ${messageOf(error)}`);
  }
}

/** Starts a created or stopped container and returns it with its freshly assigned host port. */
export async function startReplica(docker: Docker, containerId: string): Promise<Replica> {
  try {
    await docker.getContainer(containerId).start();
  } catch (error) {
    if (!isNotModified(error)) throw new AgentError('START_FAILED', `Starting container ${containerId.slice(0, 12)} failed: ${messageOf(error)}`);
  }
  return inspectReplica(docker, containerId);
}

export async function inspectReplica(docker: Docker, containerId: string): Promise<Replica> {
  let inspected: Docker.ContainerInspectInfo;
  try {
    inspected = await docker.getContainer(containerId).inspect();
  } catch (error) {
    if (isNotFound(error)) throw new AgentError('CONTAINER_NOT_FOUND', `Container ${containerId.slice(0, 12)} no longer exists`);
    throw error;
  }
  return replicaFromInspect(inspected);
}

export function replicaFromInspect(inspected: Docker.ContainerInspectInfo): Replica {
  const labels = inspected.Config.Labels ?? {};
  const bindings = Object.values(inspected.NetworkSettings.Ports ?? {}).flatMap((binding) => binding ?? []);
  const published = bindings.find((binding) => binding.HostIp === '127.0.0.1') ?? bindings[0];
  const networks = Object.entries(inspected.NetworkSettings.Networks ?? {});
  const projectNetwork = networks.find(([name]) => name.startsWith('syntra-')) ?? networks[0];
  const running = inspected.State.Running;
  return {
    containerId: inspected.Id,
    name: inspected.Name.replace(/^\//, ''),
    serviceId: labels[LABEL.serviceId] ?? '',
    deploymentId: labels[LABEL.deploymentId] ?? '',
    index: replicaIndex(labels),
    running,
    hostPort: running && published?.HostPort ? Number(published.HostPort) : null,
    ip: running && projectNetwork?.[1].IPAddress ? projectNetwork[1].IPAddress : null,
    startedAt: inspected.State.StartedAt && !inspected.State.StartedAt.startsWith('0001') ? inspected.State.StartedAt : null,
    exitCode: running ? null : inspected.State.ExitCode,
  };
}

/** SIGTERM, then SIGKILL after `timeoutSeconds`; a container already stopped or gone is fine. */
export async function stopContainer(docker: Docker, containerId: string, timeoutSeconds: number): Promise<void> {
  try {
    await docker.getContainer(containerId).stop({ t: timeoutSeconds });
  } catch (error) {
    if (!isNotModified(error) && !isNotFound(error)) throw error;
  }
}

export async function removeContainer(docker: Docker, containerId: string): Promise<void> {
  try {
    await docker.getContainer(containerId).remove({ force: true });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** The last `tail` lines a container wrote, stdout and stderr interleaved as written. */
export async function recentLogLines(docker: Docker, containerId: string, tail: number): Promise<string[]> {
  try {
    const buffer = (await docker.getContainer(containerId).logs({ stdout: true, stderr: true, tail, follow: false })) as Buffer;
    return decodeLogBuffer(buffer, false).map((entry) => entry.line);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
