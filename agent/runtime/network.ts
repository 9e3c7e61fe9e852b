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

/*
 * Docker's CheckDuplicate is not atomic (Docker 20.10): two creates of one name at once both
 * succeed, and every later use of the name fails as ambiguous. Deploys of one project's services
 * run at once, so creation is serialised per name within the agent, the one client of its engine.
 */
const creating = new Map<string, Promise<string>>();

/** The project's network, created on first use; safe when deploys of one project race. */
export function ensureProjectNetwork(docker: Docker, projectName: string): Promise<string> {
  const name = projectNetworkName(projectName);
  let pending = creating.get(name);
  if (!pending) {
    pending = createIfMissing(docker, name, projectName).finally(() => creating.delete(name));
    creating.set(name, pending);
  }
  return pending;
}

async function createIfMissing(docker: Docker, name: string, projectName: string): Promise<string> {
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
