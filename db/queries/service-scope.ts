import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from '../postgres/database.js';
import type { Scope } from './scope.js';

/*
 * Which services a caller reaches: those of their organization's projects, or of their token's one
 * project. Telemetry in ClickHouse carries only service ids, so every telemetry read resolves the
 * service here first and queries ClickHouse by the ids this returns.
 */

/** For a query joined to `projects`: the rows whose project the caller reaches. */
export function projectInScope(scope: Scope) {
  return (eb: ExpressionBuilder<Database, 'projects'>) => {
    const org = eb('projects.org_id', '=', scope.orgId);
    return scope.projectId ? eb.and([org, eb('projects.id', '=', scope.projectId)]) : org;
  };
}

/** Services are reached through their project: for a query joining `services` to `projects`. */
export const serviceInScope = projectInScope;

export interface ScopedService {
  id: string;
  project_id: string;
  server_id: string;
}

export async function scopedService(db: Kysely<Database>, scope: Scope, serviceId: string): Promise<ScopedService | undefined> {
  return db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select(['services.id', 'services.project_id', 'services.server_id'])
    .where('services.id', '=', serviceId)
    .where(serviceInScope(scope))
    .executeTakeFirst();
}

/** Those of `serviceIds` the caller reaches. */
export async function scopedServiceIds(db: Kysely<Database>, scope: Scope, serviceIds: readonly string[]): Promise<Set<string>> {
  if (serviceIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select('services.id')
    .where('services.id', 'in', serviceIds)
    .where(serviceInScope(scope))
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** The services on a server that the caller reaches. */
export async function scopedServicesOnServer(db: Kysely<Database>, scope: Scope, serverId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select('services.id')
    .where('services.server_id', '=', serverId)
    .where(serviceInScope(scope))
    .execute();
  return rows.map((row) => row.id);
}
