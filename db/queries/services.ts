import type { Kysely } from 'kysely';
import type { Database, NewService, ServiceRow, ServiceUpdate } from '../postgres/database.js';
import { type Page, type PageRequest, pageOffset, type Scope } from './scope.js';
import { serviceInScope } from './service-scope.js';

/** The unique index that keeps service names apart within a project (0005), any case. */
export const serviceNameIndex = 'idx_services_project_name';

function servicesIn(db: Kysely<Database>, scope: Scope) {
  return db.selectFrom('services').innerJoin('projects', 'projects.id', 'services.project_id').where(serviceInScope(scope));
}

export async function listServices(db: Kysely<Database>, scope: Scope, projectId: string, page: PageRequest): Promise<Page<ServiceRow>> {
  const query = servicesIn(db, scope).where('services.project_id', '=', projectId);
  const [rows, count] = await Promise.all([
    query.selectAll('services').orderBy('services.created_at').orderBy('services.id').limit(page.perPage).offset(pageOffset(page)).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

/** `lock` holds the row until the transaction ends, for a read-modify-write of its env vars. */
export async function serviceById(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ServiceRow | undefined> {
  const query = servicesIn(db, scope).selectAll('services').where('services.id', '=', id);
  return (options.lock ? query.forUpdate('services') : query).executeTakeFirst();
}

/** Whether the project has a service of this name in any case, other than `exceptServiceId`. */
export async function serviceNameTaken(db: Kysely<Database>, projectId: string, name: string, exceptServiceId?: string): Promise<boolean> {
  let query = db
    .selectFrom('services')
    .select('id')
    .where('project_id', '=', projectId)
    .where((eb) => eb(eb.fn<string>('lower', ['name']), '=', name.toLowerCase()));
  if (exceptServiceId) query = query.where('id', '!=', exceptServiceId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Throws PostgreSQL's unique violation on `serviceNameIndex` when the project has the name already. */
export async function insertService(db: Kysely<Database>, service: NewService): Promise<ServiceRow> {
  return db.insertInto('services').values(service).returningAll().executeTakeFirstOrThrow();
}

/** Throws PostgreSQL's unique violation on `serviceNameIndex` when a rename clashes. */
export async function updateService(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
  change: ServiceUpdate,
): Promise<ServiceRow | undefined> {
  if (Object.keys(change).length === 0) return serviceById(db, scope, id);
  return db
    .updateTable('services')
    .from('projects')
    .set(change)
    .whereRef('projects.id', '=', 'services.project_id')
    .where('services.id', '=', id)
    .where(serviceInScope(scope))
    .returningAll('services')
    .executeTakeFirst();
}

/** Deletes the row and, by cascade, its deployments, error groups and health checks. */
export async function deleteService(db: Kysely<Database>, scope: Scope, id: string): Promise<{ name: string } | undefined> {
  return db
    .deleteFrom('services')
    .using('projects')
    .whereRef('projects.id', '=', 'services.project_id')
    .where('services.id', '=', id)
    .where(serviceInScope(scope))
    .returning('services.name')
    .executeTakeFirst();
}
