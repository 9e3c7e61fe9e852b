import type { Kysely } from 'kysely';
import type { OperationActivities } from '../contracts/operations.js';
import type { SecretCipher } from '../control/secrets/cipher.js';
import type { Database } from '../db/postgres/database.js';
import { deploymentActivities } from './deployments.js';
import { dispatchActivities } from './dispatch.js';

/** What activities reach: PostgreSQL, and the cipher that opens a service's env vars and registry password. */
export interface ActivityDeps {
  db: Kysely<Database>;
  secrets: SecretCipher;
}

/** Every activity the operations workflows call, bound to the worker's connections. */
export function createActivities(deps: ActivityDeps): OperationActivities {
  return { ...deploymentActivities(deps), ...dispatchActivities(deps) };
}
