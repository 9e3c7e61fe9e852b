import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database, NewServer, ServerRow, ServerStatus } from '../postgres/database.js';
import { type Page, type PageRequest, pageOffset, type Scope } from './scope.js';

/*
 * Servers belong to an organization, not to a project. A project-scoped caller sees only the
 * servers its project's services run on.
 */
function inScope(scope: Scope) {
  return (eb: ExpressionBuilder<Database, 'servers'>) => {
    const org = eb('servers.org_id', '=', scope.orgId);
    if (!scope.projectId) return org;
    const projectServers = eb.selectFrom('services').select('services.server_id').where('services.project_id', '=', scope.projectId);
    return eb.and([org, eb('servers.id', 'in', projectServers)]);
  };
}

function serversIn(db: Kysely<Database>, scope: Scope) {
  return db.selectFrom('servers').where(inScope(scope));
}

export async function listServers(
  db: Kysely<Database>,
  scope: Scope,
  filter: PageRequest & { status?: ServerStatus },
): Promise<Page<ServerRow>> {
  let query = serversIn(db, scope);
  if (filter.status) query = query.where('servers.status', '=', filter.status);
  const [rows, count] = await Promise.all([
    query.selectAll('servers').orderBy('servers.created_at').orderBy('servers.id').limit(filter.perPage).offset(pageOffset(filter)).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

export async function serverById(db: Kysely<Database>, scope: Scope, id: string): Promise<ServerRow | undefined> {
  return serversIn(db, scope).selectAll('servers').where('servers.id', '=', id).executeTakeFirst();
}

export async function insertServer(db: Kysely<Database>, server: NewServer): Promise<ServerRow> {
  return db.insertInto('servers').values(server).returningAll().executeTakeFirstOrThrow();
}

/** Gives the server a new agent token (its hash): the agent holding the old one is refused from now on. */
export async function setAgentTokenHash(db: Kysely<Database>, scope: Scope, id: string, agentTokenHash: string): Promise<void> {
  await db.updateTable('servers').set({ agent_token_hash: agentTokenHash }).where('servers.id', '=', id).where(inScope(scope)).execute();
}

export async function updateServer(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
  change: { name?: string; tags?: string[] },
): Promise<ServerRow | undefined> {
  if (change.name === undefined && change.tags === undefined) return serverById(db, scope, id);
  return db
    .updateTable('servers')
    .set(change)
    .where('servers.id', '=', id)
    .where(inScope(scope))
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the server and, by cascade, its services and their deployments. */
export async function deleteServer(db: Kysely<Database>, scope: Scope, id: string): Promise<{ name: string } | undefined> {
  return db.deleteFrom('servers').where('servers.id', '=', id).where(inScope(scope)).returning('servers.name').executeTakeFirst();
}
