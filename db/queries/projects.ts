import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Database, NewProject, ProjectRow, ProjectUpdate, ServiceRow } from '../postgres/database.js';
import { type Page, type PageRequest, pageOffset, type Scope } from './scope.js';

function inScope(scope: Scope) {
  return (eb: ExpressionBuilder<Database, 'projects'>) => {
    const org = eb('projects.org_id', '=', scope.orgId);
    return scope.projectId ? eb.and([org, eb('projects.id', '=', scope.projectId)]) : org;
  };
}

/** One round trip: the page and, beside each row, the count of all matches (a page past the end asks again). */
export async function listProjects(db: Kysely<Database>, scope: Scope, page: PageRequest): Promise<Page<ProjectRow>> {
  const query = db.selectFrom('projects').where(inScope(scope));
  const rows = await query
    .selectAll()
    .select(sql<string>`count(*) over ()`.as('total'))
    .orderBy('projects.created_at')
    .orderBy('projects.id')
    .limit(page.perPage)
    .offset(pageOffset(page))
    .execute();
  if (rows.length === 0) {
    const count = await query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
    return { rows: [], total: Number(count.total) };
  }
  return { rows: rows.map(({ total: _total, ...row }) => row), total: Number(rows[0]!.total) };
}

export async function projectById(db: Kysely<Database>, scope: Scope, id: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('projects').selectAll().where('projects.id', '=', id).where(inScope(scope)).executeTakeFirst();
}

/** Unscoped: for a push webhook, which is authenticated by the project's own secret, not a member. */
export async function projectOfAnyOrganization(db: Kysely<Database>, id: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('projects').selectAll().where('projects.id', '=', id).executeTakeFirst();
}

/** Undefined when the organization already has a project with this slug. */
export async function insertProject(db: Kysely<Database>, project: NewProject): Promise<ProjectRow | undefined> {
  return db
    .insertInto('projects')
    .values(project)
    .onConflict((conflict) => conflict.columns(['org_id', 'slug']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function slugTaken(db: Kysely<Database>, orgId: string, slug: string, exceptProjectId: string): Promise<boolean> {
  const row = await db
    .selectFrom('projects')
    .select('id')
    .where('org_id', '=', orgId)
    .where('slug', '=', slug)
    .where('id', '!=', exceptProjectId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Throws PostgreSQL's unique violation when a rename races another project to the same slug. */
export async function updateProject(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
  change: ProjectUpdate,
): Promise<ProjectRow | undefined> {
  if (Object.keys(change).length === 0) return projectById(db, scope, id);
  return db.updateTable('projects').set(change).where('projects.id', '=', id).where(inScope(scope)).returningAll().executeTakeFirst();
}

/** Deletes the project and, by cascade, its services, their deployments and its project tokens. */
export async function deleteProject(db: Kysely<Database>, scope: Scope, id: string): Promise<{ name: string } | undefined> {
  return db.deleteFrom('projects').where('projects.id', '=', id).where(inScope(scope)).returning('projects.name').executeTakeFirst();
}

export async function servicesOfProject(db: Kysely<Database>, projectId: string): Promise<ServiceRow[]> {
  return db.selectFrom('services').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
}
