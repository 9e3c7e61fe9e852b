import type { Kysely } from 'kysely';
import type { Database } from '../postgres/database.js';
import type { Scope } from './scope.js';
import { serviceInScope } from './service-scope.js';

/*
 * A service's env vars are one sealed JSON list in `services.env_vars_encrypted` (the contract's
 * column); `control/secrets/service-env.ts` seals and opens it. Callers read it with the service row.
 */

/** False when the service is not in the scope. */
export async function storeSealedEnvVars(db: Kysely<Database>, scope: Scope, serviceId: string, sealed: Buffer | null): Promise<boolean> {
  const row = await db
    .updateTable('services')
    .from('projects')
    .set({ env_vars_encrypted: sealed })
    .whereRef('projects.id', '=', 'services.project_id')
    .where('services.id', '=', serviceId)
    .where(serviceInScope(scope))
    .returning('services.id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * For the worker, which acts for the platform rather than for a caller: the deploy of a service
 * already resolved in its organization when the deployment was created.
 */
export async function sealedEnvVarsOfService(db: Kysely<Database>, serviceId: string): Promise<Buffer | null | undefined> {
  const row = await db.selectFrom('services').select('env_vars_encrypted').where('id', '=', serviceId).executeTakeFirst();
  return row?.env_vars_encrypted;
}
