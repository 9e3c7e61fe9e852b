import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { EnvVar } from '../../../contracts/index.js';
import { deploymentsOfService, latestEndpoint } from '../../../db/queries/deployments.js';
import { projectById } from '../../../db/queries/projects.js';
import { serverById } from '../../../db/queries/servers.js';
import {
  deleteService,
  insertService,
  listServices,
  serviceById,
  serviceNameIndex,
  serviceNameTaken,
  updateService,
} from '../../../db/queries/services.js';
import { scopedService } from '../../../db/queries/service-scope.js';
import { domainsOfService, domainsTakenElsewhere, replaceServiceDomains, serviceDomainsKey } from '../../../db/queries/service-domains.js';
import { isUniqueViolation } from '../../../db/queries/unique-violation.js';
import { recordAudit } from '../../../control/audit.js';
import { operationQueueOf } from '../../../control/operations/queue.js';
import { ServiceOperations } from '../../../control/operations/service-operations.js';
import { scopeOf } from '../../../control/caller.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { deploymentResource } from '../../../control/resources/deployment.js';
import { serviceResource } from '../../../control/resources/service.js';
import { serviceAddresses } from '../../../control/resources/service-addresses.js';
import { assignDefaultDomain } from '../../../control/default-domain.js';
import { keepingBuildSecrets, settingsColumns, sourceColumns } from '../../../control/resources/service-columns.js';
import { defineRoute, registryRoute, WithMeta } from '../routing.js';
import { sealRegistryPassword } from '../../../control/secrets/registry-credentials.js';
import { sealBuildSecrets } from '../../../control/secrets/git-credentials.js';
import type { SecretCipher } from '../../../control/secrets/cipher.js';

/** A source's secrets sealed for the service row they go in. */
const sealersFor = (secrets: SecretCipher, serviceId: string) => ({
  registryPassword: (password: string) => sealRegistryPassword(secrets, serviceId, password),
  buildSecrets: (values: Record<string, string>) => sealBuildSecrets(secrets, serviceId, values),
});
import { sealEnvVars } from '../../../control/secrets/service-env.js';

/** How many deployments `GET /services/:id` shows, newest first; the full list is `GET /services/:id/deployments`. */
const recentDeploymentsShown = 10;

const notFound = (serviceId: string) => new ApiProblem('NOT_FOUND', `No service ${serviceId} in this organization`);
const projectNotFound = (projectId: string) => new ApiProblem('NOT_FOUND', `No project ${projectId} in this organization`);

/** A name becomes the service's internal hostname, so it is unique in its project whatever its case. */
const nameConflict = (name: string) =>
  new ApiProblem('CONFLICT', `This project already has a service named "${name}" (names ignore case); choose another name`, {
    details: { name },
  });

const isNameClash = (error: unknown) => isUniqueViolation(error) && error.constraint === serviceNameIndex;
const isDomainClash = (error: unknown) => isUniqueViolation(error) && error.constraint === serviceDomainsKey;

/* Names the domains only: whose service holds them is another organization's business. */
const domainConflict = (domains: string[]) =>
  new ApiProblem('CONFLICT', `Already used by another service: ${domains.join(', ')}. A domain routes to one service only`, {
    details: domains.map((domain) => ({ path: 'body.domains', message: `${domain} is used by another service` })),
  });

/** Claims the service's domains in the same transaction as its row, or refuses them all. */
async function claimDomains(trx: Parameters<typeof replaceServiceDomains>[0], serviceId: string, domains: string[] | undefined): Promise<void> {
  if (domains === undefined) return;
  const taken = await domainsTakenElsewhere(trx, serviceId, domains);
  if (taken.length > 0) throw domainConflict(taken);
  await replaceServiceDomains(trx, serviceId, domains);
}

/** Fields of the contract's Partial<Service> that change elsewhere; zod would drop them unseen, so they are refused by name. */
const changedElsewhere: Record<string, string> = {
  server_id: 'a service cannot move; create one on the other server',
  replicas: 'POST /services/{serviceId}/scale changes it',
  env_vars: 'PUT /services/{serviceId}/env changes them',
};

function refuseChangesMadeElsewhere(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const problems = Object.keys(changedElsewhere)
    .filter((field) => field in body)
    .map((field) => ({ path: `body.${field}`, message: `cannot change here: ${changedElsewhere[field]}` }));
  if (problems.length === 0) return;
  throw new ApiProblem('VALIDATION_ERROR', `Invalid request: ${problems.map((problem) => problem.path).join(', ')}`, { details: problems });
}

/*
 * The project in the path exists, so a bad server reference in the body is 422, not 404. Placing a
 * service is an organization matter: a project token may use any server of the organization,
 * though it sees only the servers its project's services run on.
 */
const unknownServer = (serverId: string) =>
  new ApiProblem('UNPROCESSABLE', `server_id ${serverId} is not a server of this organization`, {
    details: [{ path: 'body.server_id', message: 'no such server in this organization' }],
  });

/** A project's services: what runs where, from which source, with which settings. */
export const serviceRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db, secrets } = platform;
  const operations = new ServiceOperations(db, operationQueueOf(platform), platform.config.registry);

  defineRoute(app, registryRoute('listServices'), { permission: 'read' }, async ({ params, query, caller }) => {
    const scope = scopeOf(caller);
    const project = await projectById(db, scope, params.projectId);
    if (!project) throw projectNotFound(params.projectId);
    const page = await listServices(db, scope, project.id, { page: query.page, perPage: query.per_page });
    return new WithMeta(page.rows.map(serviceResource), { total: page.total, page: query.page, per_page: query.per_page });
  });

  defineRoute(app, registryRoute('createService'), { permission: 'service.create' }, async ({ params, body, caller, request }) => {
    const project = await projectById(db, scopeOf(caller), params.projectId);
    if (!project) throw projectNotFound(params.projectId);
    if (!(await serverById(db, { orgId: caller.orgId }, body.server_id))) throw unknownServer(body.server_id);
    // The id is chosen here because the sealed values are bound to it (see control/secrets/cipher.ts).
    const id = randomUUID();
    // Env vars given at creation are plain ones; PUT /env marks secrets.
    const variables: EnvVar[] = Object.entries(body.env_vars ?? {}).map(([key, value]) => ({ key, value, is_secret: false }));
    const create = () =>
      db.transaction().execute(async (trx) => {
        if (await serviceNameTaken(trx, project.id, body.name)) throw nameConflict(body.name);
        const row = await insertService(trx, {
          id,
          project_id: project.id,
          server_id: body.server_id,
          name: body.name,
          ...settingsColumns(body),
          ...sourceColumns(body, sealersFor(secrets, id)),
          env_vars_encrypted: sealEnvVars(secrets, id, variables),
        });
        await claimDomains(trx, row.id, body.domains);
        await assignDefaultDomain(trx, platform.config.SYNTRA_BASE_DOMAIN, row, project.slug);
        await recordAudit(trx, request, caller, {
          action: 'service.create',
          resourceType: 'service',
          resourceId: row.id,
          details: { name: row.name, project_id: project.id, server_id: row.server_id, source_type: row.source_type },
        });
        return row;
      });
    try {
      return serviceResource(await create());
    } catch (error) {
      // Two creates racing to one name: the check above passed for both, the index stops one.
      if (isNameClash(error)) throw nameConflict(body.name);
      if (isDomainClash(error)) throw domainConflict(body.domains ?? []);
      throw error;
    }
  });

  defineRoute(app, registryRoute('getService'), { permission: 'read' }, async ({ params, caller }) => {
    const service = await serviceById(db, scopeOf(caller), params.serviceId);
    if (!service) throw notFound(params.serviceId);
    const deployments = await deploymentsOfService(db, service.id, { limit: recentDeploymentsShown });
    return { ...serviceResource(service), recent_deployments: deployments.map(deploymentResource) };
  });

  defineRoute(app, registryRoute('getServiceAddresses'), { permission: 'read' }, async ({ params, caller }) => {
    const service = await serviceById(db, scopeOf(caller), params.serviceId);
    if (!service) throw notFound(params.serviceId);
    const [domains, server, endpoint] = await Promise.all([
      domainsOfService(db, service.id),
      serverById(db, { orgId: caller.orgId }, service.server_id),
      latestEndpoint(db, service.id),
    ]);
    return serviceAddresses(domains, server?.public_ip ?? null, endpoint);
  });

  defineRoute(app, registryRoute('updateService'), { permission: 'service.update' }, async ({ params, body, caller, request }) => {
    refuseChangesMadeElsewhere(request.body);
    const change = {
      ...settingsColumns(body),
      // A new source replaces the old one whole, registry credentials included (build secrets left out are kept).
      ...(body.source_type !== undefined && sourceColumns(body, sealersFor(secrets, params.serviceId))),
    };
    const update = () =>
      db.transaction().execute(async (trx) => {
        const scope = scopeOf(caller);
        const service = await serviceById(trx, scope, params.serviceId);
        if (!service) throw notFound(params.serviceId);
        if (body.name !== undefined && (await serviceNameTaken(trx, service.project_id, body.name, service.id))) throw nameConflict(body.name);
        const row = await updateService(trx, scope, service.id, keepingBuildSecrets(change, body, service));
        if (!row) throw notFound(params.serviceId);
        await claimDomains(trx, row.id, body.domains);
        // Running replicas take a new check at once, not at the next deploy.
        const healthCheck = serviceResource(row).health_check;
        const healthCheckChanged = JSON.stringify(healthCheck) !== JSON.stringify(serviceResource(service).health_check);
        const healthCheckWorkflowId = healthCheckChanged ? await operations.applyHealthCheck(row, caller.orgId, healthCheck) : null;
        await recordAudit(trx, request, caller, {
          action: 'service.update',
          resourceType: 'service',
          resourceId: row.id,
          // Field names only: a new source may carry a registry password.
          details: { name: row.name, fields: Object.keys(body).sort(), ...(healthCheckWorkflowId ? { workflow_id: healthCheckWorkflowId } : {}) },
        });
        return row;
      });
    try {
      return serviceResource(await update());
    } catch (error) {
      if (body.name !== undefined && isNameClash(error)) throw nameConflict(body.name);
      if (isDomainClash(error)) throw domainConflict(body.domains ?? []);
      throw error;
    }
  });

  defineRoute(app, registryRoute('deleteService'), { permission: 'service.delete' }, async ({ params, caller, request }) => {
    const service = await scopedService(db, scopeOf(caller), params.serviceId);
    if (!service) throw notFound(params.serviceId);
    // Its containers go first, queued behind any operation in flight; the stop needs no row, so
    // the row can go at once. If queueing fails, nothing is deleted.
    const stopWorkflowId = await operations.stop(
      { orgId: caller.orgId, projectId: service.project_id, serviceId: service.id, serverId: service.server_id },
      { removeContainers: true },
    );
    await db.transaction().execute(async (trx) => {
      const deleted = await deleteService(trx, scopeOf(caller), params.serviceId);
      if (!deleted) throw notFound(params.serviceId);
      await recordAudit(trx, request, caller, {
        action: 'service.delete',
        resourceType: 'service',
        resourceId: params.serviceId,
        details: { name: deleted.name, workflow_id: stopWorkflowId },
      });
    });
  });
};
