import type { Kysely } from 'kysely';
import type { Database } from '../postgres/database.js';

/*
 * An agent speaks for its own server only: telemetry is kept for the services placed on the server
 * that sent it, so one organization's agent can never write into another's issues or traces.
 */

/** Of `serviceIds`, those placed on `serverId`. */
export async function servicesOnServer(db: Kysely<Database>, serverId: string, serviceIds: readonly string[]): Promise<Set<string>> {
  if (serviceIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('services')
    .select('id')
    .where('server_id', '=', serverId)
    .where('id', 'in', [...new Set(serviceIds)])
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Of `deploymentIds`, those that are deployments of `serviceIds` (the rest are kept as unknown). */
export async function deploymentsOfServices(
  db: Kysely<Database>,
  serviceIds: ReadonlySet<string>,
  deploymentIds: readonly string[],
): Promise<Set<string>> {
  if (serviceIds.size === 0 || deploymentIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('deployments')
    .select('id')
    .where('service_id', 'in', [...serviceIds])
    .where('id', 'in', [...new Set(deploymentIds)])
    .execute();
  return new Set(rows.map((row) => row.id));
}
