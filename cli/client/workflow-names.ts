import { MAX_PAGE_SIZE } from '../../contracts/api/queries.js';
import type { Workflow } from '../../contracts/api/automation.js';
import type { Project } from '../../contracts/api/resources.js';
import { UsageError } from '../usage-error.js';
import type { ApiClient } from './api-client.js';
import { allProjects, findProject, uuidPattern } from './service-names.js';

/*
 * DAG workflows as a person names them, like services: an id, a name, or `project/name` where
 * the name is taken in more than one project.
 */

export interface NamedWorkflow {
  workflow: Workflow;
  project: Pick<Project, 'id' | 'name' | 'slug'>;
}

/** Every workflow with its project, across the projects given (default: all the caller's). */
export async function allWorkflows(api: ApiClient, projects?: Project[]): Promise<NamedWorkflow[]> {
  const found: NamedWorkflow[] = [];
  for (const project of projects ?? (await allProjects(api))) {
    for (let page = 1; ; page += 1) {
      const batch = await api.call('listWorkflows', { params: { projectId: project.id }, query: { page, per_page: MAX_PAGE_SIZE } });
      found.push(...batch.map((workflow) => ({ workflow, project })));
      if (batch.length < MAX_PAGE_SIZE) break;
    }
  }
  return found;
}

export async function findWorkflow(api: ApiClient, name: string): Promise<NamedWorkflow> {
  if (uuidPattern.test(name)) {
    const workflow = await api.call('getWorkflow', { params: { workflowId: name } });
    const project = await api.call('getProject', { params: { projectId: workflow.project_id } });
    return { workflow, project };
  }
  const [projectName, workflowName] = name.includes('/') ? (name.split('/', 2) as [string, string]) : [null, name];
  const projects = projectName === null ? undefined : [await findProject(api, projectName)];
  const matches = (await allWorkflows(api, projects)).filter(({ workflow }) => workflow.name === workflowName);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new UsageError(`No workflow named ${name}: \`syntra workflows list\` shows them`);
  throw new UsageError(`${name} names a workflow in ${matches.length} projects: say which, as ${matches.map(({ project }) => `${project.slug}/${workflowName}`).join(' or ')}`);
}
