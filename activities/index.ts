import type { Kysely } from 'kysely';
import type { Client } from '@temporalio/client';
import type { DagActivities } from '../contracts/dag.js';
import type { BuildActivities, OperationActivities } from '../contracts/operations.js';
import type { BuiltImageRetention } from '../control/registry/retention.js';
import type { SecretCipher } from '../control/secrets/cipher.js';
import type { Database } from '../db/postgres/database.js';
import { buildActivities } from './build.js';
import { dagActivities } from './dag.js';
import { deploymentActivities } from './deployments.js';
import { dispatchActivities } from './dispatch.js';

/**
 * What activities reach: PostgreSQL, the cipher that opens a service's env vars and registry
 * password, and Temporal (DAG steps start operations on the operations task queue).
 */
export interface ActivityDeps {
  db: Kysely<Database>;
  secrets: SecretCipher;
  temporal: { client: Client; operationsTaskQueue: string };
  /** The platform registry's address (REGISTRY_URL's host), where builds push; null when there is none. */
  registry: string | null;
  /** Deletes a service's old built images after each build; null without a platform registry. */
  retention?: BuiltImageRetention | null;
}

/** Every activity the operation workflows and the DAG interpreter call, bound to the worker's connections. */
export function createActivities(deps: ActivityDeps): OperationActivities & BuildActivities & DagActivities {
  return { ...deploymentActivities(deps), ...dispatchActivities(deps), ...buildActivities(deps), ...dagActivities(deps) };
}
