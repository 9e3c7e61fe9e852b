import { MAX_PAGE_SIZE } from '../../contracts/api/queries.js';
import type { Project, Service } from '../../contracts/api/resources.js';
import { UsageError } from '../usage-error.js';
import type { ApiClient } from './api-client.js';

/*
 * Services and projects as a person names them: an id, a name, or `project/service` where a
 * service's name is taken in more than one project. A name that matches nothing, or more than one
 * thing, is a UsageError that lists what would have matched.
 */

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every page of the caller's projects. */
export async function allProjects(api: ApiClient): Promise<Project[]> {
  const projects: Project[] = [];
  for (let page = 1; ; page += 1) {
    const batch = await api.call('listProjects', { query: { page, per_page: MAX_PAGE_SIZE } });
    projects.push(...batch);
    if (batch.length < MAX_PAGE_SIZE) return projects;
  }
}

export async function findProject(api: ApiClient, name: string): Promise<Project> {
  if (uuidPattern.test(name)) return api.call('getProject', { params: { projectId: name } });
  const matches = (await allProjects(api)).filter((project) => project.slug === name || project.name === name);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new UsageError(`No project named ${name}: \`syntra projects list\` shows them`);
  throw new UsageError(`${name} names ${matches.length} projects: use its id (${matches.map((project) => project.id).join(', ')})`);
}

export interface NamedService {
  service: Service;
  project: Pick<Project, 'id' | 'name' | 'slug'>;
}

/** Every service with its project, across all the caller's projects. */
export async function allServices(api: ApiClient, projects?: Project[]): Promise<NamedService[]> {
  const found: NamedService[] = [];
  for (const project of projects ?? (await allProjects(api))) {
    const withServices = await api.call('getProject', { params: { projectId: project.id } });
    found.push(...withServices.services.map((service) => ({ service, project })));
  }
  return found;
}

export async function findService(api: ApiClient, name: string): Promise<NamedService> {
  if (uuidPattern.test(name)) {
    const service = await api.call('getService', { params: { serviceId: name } });
    const project = await api.call('getProject', { params: { projectId: service.project_id } });
    return { service, project };
  }
  const [projectName, serviceName] = name.includes('/') ? (name.split('/', 2) as [string, string]) : [null, name];
  const projects = projectName === null ? undefined : [await findProject(api, projectName)];
  const matches = (await allServices(api, projects)).filter(({ service }) => service.name === serviceName);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new UsageError(`No service named ${name}: \`syntra services list\` shows them`);
  throw new UsageError(`${name} names a service in ${matches.length} projects: say which, as ${matches.map(({ project }) => `${project.slug}/${serviceName}`).join(' or ')}`);
}

