import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { CreateProject, Project, UpdateProject } from '../../../contracts/index.js';
import type { JsonValue, ProjectUpdate } from '../../../db/postgres/database.js';
import {
  deleteProject,
  insertProject,
  listProjects,
  projectById,
  servicesOfProject,
  slugTaken,
  updateProject,
} from '../../../db/queries/projects.js';
import { isUniqueViolation } from '../../../db/queries/unique-violation.js';
import { recordAudit } from '../../../control/audit.js';
import { followChannel, NotifiedCache } from '../notified-cache.js';
import { scopeOf } from '../../../control/caller.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { projectResource } from '../../../control/resources/project.js';
import { serviceResource } from '../../../control/resources/service.js';
import { defineRoute, registryRoute, type SerializedEnvelope, serializedEnvelope, WithMeta } from '../routing.js';
import { slugify } from '../../../control/slug.js';
import type { SecretCipher } from '../../../control/secrets/cipher.js';
import { sealGitCredentials, sealWebhookSecret } from '../../../control/secrets/git-credentials.js';

/** What the audit records of a change: secrets by name only, never their values. */
function auditedChange(body: UpdateProject | CreateProject): { [key: string]: JsonValue } {
  const { git_credentials: credentials, git_webhook_secret: secret, ...rest } = body;
  return {
    ...rest,
    ...(credentials !== undefined && { git_credentials: credentials === null ? null : credentials.kind }),
    ...(secret !== undefined && { git_webhook_secret: secret === null ? null : 'set' }),
  };
}

const gitProviders: Record<string, string> = { 'github.com': 'github', 'gitlab.com': 'gitlab', 'bitbucket.org': 'bitbucket' };

function gitProviderOf(repoUrl: string): string | null {
  return gitProviders[new URL(repoUrl).hostname.toLowerCase()] ?? null;
}

const notFound = (projectId: string) => new ApiProblem('NOT_FOUND', `No project ${projectId} in this organization`);

/** The slug is the name's, unique per organization, so a clash is the caller's to resolve by renaming. */
const slugConflict = (slug: string) =>
  new ApiProblem('CONFLICT', `A project with the slug "${slug}" already exists in this organization; choose another name`, {
    details: { slug },
  });

/**
 * The columns a create or update writes; the git credential and webhook secret sealed for
 * `projectId`. Whoever sets the webhook secret is whom pushes act as (control/webhooks/).
 */
function projectChange(body: UpdateProject | CreateProject, cipher: SecretCipher, projectId: string, userId: string): ProjectUpdate {
  const change: ProjectUpdate = {};
  if (body.git_credentials !== undefined) {
    change.git_credentials_encrypted = body.git_credentials === null ? null : sealGitCredentials(cipher, projectId, body.git_credentials);
  }
  if (body.git_webhook_secret !== undefined) {
    change.git_webhook_secret_encrypted = body.git_webhook_secret === null ? null : sealWebhookSecret(cipher, projectId, body.git_webhook_secret);
    change.git_webhook_secret_set_by = body.git_webhook_secret === null ? null : userId;
  }
  if (body.name !== undefined) Object.assign(change, { name: body.name, slug: slugify(body.name, 'project') });
  if (body.description !== undefined) change.description = body.description;
  if (body.git_branch !== undefined) change.git_branch = body.git_branch;
  if (body.git_repo_url !== undefined) Object.assign(change, { git_repo_url: body.git_repo_url, git_provider: gitProviderOf(body.git_repo_url) });
  return change;
}

/** Projects: groups of services. A project-scoped token sees only its own. */
export const projectRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;

  /*
   * The most read answer of all (every page of the UI starts with it), kept serialized per scope
   * and page until `projects_changed` says otherwise.
   */
  const lists = new NotifiedCache<SerializedEnvelope<Project[]>>();
  await followChannel(app, 'projects_changed', [lists]);

  defineRoute(app, registryRoute('listProjects'), { permission: 'read' }, async ({ query, caller }) => {
    const scope = scopeOf(caller);
    const key = `${scope.orgId}/${scope.projectId ?? '*'}/${query.page}/${query.per_page}`;
    const list = await lists.through(key, async () => {
      const page = await listProjects(db, scope, { page: query.page, perPage: query.per_page });
      return serializedEnvelope(new WithMeta(page.rows.map(projectResource), { total: page.total, page: query.page, per_page: query.per_page }));
    });
    return list!;
  });

  defineRoute(app, registryRoute('createProject'), { permission: 'project.create' }, async ({ body, caller, request }) => {
    const slug = slugify(body.name, 'project');
    const id = randomUUID();
    const project = await db.transaction().execute(async (trx) => {
      const row = await insertProject(trx, { id, org_id: caller.orgId, name: body.name, slug, ...projectChange(body, platform.secrets, id, caller.userId) });
      if (!row) throw slugConflict(slug);
      await recordAudit(trx, request, caller, {
        action: 'project.create',
        resourceType: 'project',
        resourceId: row.id,
        details: { name: row.name, slug: row.slug },
      });
      return row;
    });
    // This process's next list shows the change at once; the others hear `projects_changed`.
    lists.clear();
    return projectResource(project);
  });

  defineRoute(app, registryRoute('getProject'), { permission: 'read' }, async ({ params, caller }) => {
    const project = await projectById(db, scopeOf(caller), params.projectId);
    if (!project) throw notFound(params.projectId);
    const services = await servicesOfProject(db, project.id);
    return { ...projectResource(project), services: services.map(serviceResource) };
  });

  defineRoute(app, registryRoute('updateProject'), { permission: 'project.update' }, async ({ params, body, caller, request }) => {
    const change = projectChange(body, platform.secrets, params.projectId, caller.userId);
    const slug = body.name === undefined ? undefined : slugify(body.name, 'project');
    const update = () =>
      db.transaction().execute(async (trx) => {
        if (slug && (await slugTaken(trx, caller.orgId, slug, params.projectId))) throw slugConflict(slug);
        const row = await updateProject(trx, scopeOf(caller), params.projectId, change);
        if (!row) throw notFound(params.projectId);
        await recordAudit(trx, request, caller, { action: 'project.update', resourceType: 'project', resourceId: row.id, details: { changes: auditedChange(body) } });
        return row;
      });
    try {
      const updated = projectResource(await update());
      lists.clear();
      return updated;
    } catch (error) {
      // Two renames racing to one slug: the check above passed for both, the constraint stops one.
      if (slug && isUniqueViolation(error)) throw slugConflict(slug);
      throw error;
    }
  });

  defineRoute(app, registryRoute('deleteProject'), { permission: 'project.delete' }, async ({ params, caller, request }) => {
    await db.transaction().execute(async (trx) => {
      const deleted = await deleteProject(trx, scopeOf(caller), params.projectId);
      if (!deleted) throw notFound(params.projectId);
      await recordAudit(trx, request, caller, {
        action: 'project.delete',
        resourceType: 'project',
        resourceId: params.projectId,
        details: { name: deleted.name },
      });
    });
    lists.clear();
  });
};
