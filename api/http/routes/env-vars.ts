import type { FastifyPluginAsync } from 'fastify';
import type { EnvVar } from '../../../contracts/index.js';
import { storeSealedEnvVars } from '../../../db/queries/env-vars.js';
import { serviceById } from '../../../db/queries/services.js';
import { recordAudit } from '../../../control/audit.js';
import { authorize, scopeOf } from '../../../control/caller.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { defineRoute, registryRoute } from '../routing.js';
import { maskSecrets, openEnvVars, sealEnvVars } from '../../../control/secrets/service-env.js';

const notFound = (serviceId: string) => new ApiProblem('NOT_FOUND', `No service ${serviceId} in this organization`);

/*
 * A service's environment variables. Values are sealed at rest (control/secrets/); a secret's value
 * is masked in listings unless the caller asks with `reveal=true` and holds `secrets.read`. The
 * audit log names keys, never values.
 */
export const envVarRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db, secrets } = platform;

  defineRoute(app, registryRoute('listEnvVars'), { permission: 'read' }, async ({ params, query, caller, request }) => {
    if (query.reveal) authorize(caller, 'secrets.read');
    const service = await serviceById(db, scopeOf(caller), params.serviceId);
    if (!service) throw notFound(params.serviceId);
    const variables = openEnvVars(secrets, service.id, service.env_vars_encrypted);
    if (!query.reveal) return maskSecrets(variables);
    // Not a mutation, but who saw which secrets is worth a record.
    await recordAudit(db, request, caller, {
      action: 'env.reveal',
      resourceType: 'service',
      resourceId: service.id,
      details: { secret_keys: variables.filter((variable) => variable.is_secret).map((variable) => variable.key) },
    });
    return variables;
  });

  defineRoute(app, registryRoute('putEnvVars'), { permission: 'env.write' }, async ({ params, body, caller, request }) => {
    const variables: EnvVar[] = body.variables.map(({ key, value, is_secret }) => ({ key, value, is_secret: is_secret ?? false }));
    await db.transaction().execute(async (trx) => {
      const stored = await storeSealedEnvVars(trx, scopeOf(caller), params.serviceId, sealEnvVars(secrets, params.serviceId, variables));
      if (!stored) throw notFound(params.serviceId);
      await recordAudit(trx, request, caller, {
        action: 'env.update',
        resourceType: 'service',
        resourceId: params.serviceId,
        details: {
          keys: variables.map((variable) => variable.key),
          secret_keys: variables.filter((variable) => variable.is_secret).map((variable) => variable.key),
        },
      });
    });
    return null;
  });

  defineRoute(app, registryRoute('deleteEnvVar'), { permission: 'env.write' }, async ({ params, caller, request }) => {
    const scope = scopeOf(caller);
    await db.transaction().execute(async (trx) => {
      // Locked: two deletes of different keys must not each write back a list with the other's key.
      const service = await serviceById(trx, scope, params.serviceId, { lock: true });
      if (!service) throw notFound(params.serviceId);
      const variables = openEnvVars(secrets, service.id, service.env_vars_encrypted);
      const remaining = variables.filter((variable) => variable.key !== params.key);
      if (remaining.length === variables.length) {
        throw new ApiProblem('NOT_FOUND', `Service ${service.id} has no environment variable ${params.key}`);
      }
      await storeSealedEnvVars(trx, scope, service.id, sealEnvVars(secrets, service.id, remaining));
      await recordAudit(trx, request, caller, { action: 'env.delete', resourceType: 'service', resourceId: service.id, details: { key: params.key } });
    });
  });
};
