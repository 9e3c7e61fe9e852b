import type Docker from 'dockerode';
import { LABEL, slug } from './docker.js';

/*
 * One bridge network per project: services of a project reach each other by their
 * `networking.internal_hostname` (a network alias), and nothing outside the project can.
 */
export function projectNetworkName(projectName: string): string {
  return `syntra-${slug(projectName)}`;
}

async function findNetwork(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | undefined> {
  // The name filter matches substrings ("syntra-a" finds "syntra-ab"), so compare exactly.
  const networks = await docker.listNetworks({ filters: { name: [name] } });
  return networks.find((network) => network.Name === name);
}

/** The project's network, created on first use; safe when two deploys of one project race. */
export async function ensureProjectNetwork(docker: Docker, projectName: string): Promise<string> {
  const name = projectNetworkName(projectName);
  if (await findNetwork(docker, name)) return name;
  try {
    await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { [LABEL.managed]: 'true', [LABEL.project]: projectName },
    });
  } catch (error) {
    if (!(await findNetwork(docker, name))) throw error;
  }
  return name;
}

/** Removes the project's network once no container uses it; a network still in use is left alone. */
export async function removeProjectNetworkIfUnused(docker: Docker, projectName: string): Promise<void> {
  const found = await findNetwork(docker, projectNetworkName(projectName));
  if (!found) return;
  const network = docker.getNetwork(found.Id);
  const inspected = (await network.inspect()) as Docker.NetworkInspectInfo;
  if (Object.keys(inspected.Containers ?? {}).length > 0) return;
  // A container may join between the inspect and the remove; Docker then refuses, and the network stays.
  await network.remove().catch(() => undefined);
}
