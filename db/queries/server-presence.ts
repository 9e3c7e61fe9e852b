import { sql, type Kysely } from 'kysely';
import type { AgentHelloPayload, HeartbeatPayload, ServerProblem } from '../../contracts/index.js';
import type { Database, ServerRow } from '../postgres/database.js';

/** The server an agent token belongs to (by the token's SHA-256 hash; the index makes it one probe). */
export async function serverByAgentTokenHash(db: Kysely<Database>, tokenHash: string): Promise<ServerRow | undefined> {
  return db.selectFrom('servers').selectAll().where('agent_token_hash', '=', tokenHash).executeTakeFirst();
}

/** An agent said hello on gateway session `sessionId`: record its machine's facts and mark the server online. */
export async function recordAgentHello(
  db: Kysely<Database>,
  serverId: string,
  sessionId: string,
  hello: AgentHelloPayload,
  agentVersion: string,
  protocolVersion: string,
): Promise<ServerRow> {
  return db
    .updateTable('servers')
    .set({
      status: 'online',
      agent_session_id: sessionId,
      hostname: hello.network.hostname,
      public_ip: hello.network.public_ip,
      private_ip: hello.network.private_ip,
      runtime: hello.runtime,
      runtime_version: hello.runtime_version,
      agent_version: agentVersion,
      protocol_version: protocolVersion,
      os_name: hello.os.name,
      os_version: hello.os.version,
      arch: hello.arch,
      cpu_cores: hello.resources.cpu_cores,
      memory_mb: Math.round(hello.resources.memory_total_mb),
      disk_gb: Math.round(hello.resources.disk_total_gb),
      last_heartbeat_at: new Date(),
      // The agent restates what still stands at every session.
      agent_problems: '{}',
    })
    .where('id', '=', serverId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Records (or replaces) one standing problem of a server, keyed by the resource at fault. */
export async function recordServerProblem(db: Kysely<Database>, serverId: string, problem: ServerProblem): Promise<void> {
  await db
    .updateTable('servers')
    .set({ agent_problems: sql<string>`agent_problems || jsonb_build_object(${problem.resource}::text, ${JSON.stringify(problem)}::jsonb)` })
    .where('id', '=', serverId)
    .execute();
}

/**
 * Stores many agents' latest heartbeats in one statement: at thousands of agents, one UPDATE per
 * heartbeat is what saturates PostgreSQL first.
 */
export async function recordHeartbeats(db: Kysely<Database>, heartbeats: { serverId: string; receivedAt: Date; heartbeat: HeartbeatPayload }[]): Promise<void> {
  if (heartbeats.length === 0) return;
  const rows = sql.join(
    heartbeats.map(({ serverId, receivedAt, heartbeat }) => sql`(${serverId}::uuid, ${receivedAt}::timestamptz, ${JSON.stringify(heartbeat)}::jsonb)`),
  );
  await sql`UPDATE servers SET status = 'online', last_heartbeat_at = beat.received_at, last_heartbeat = beat.heartbeat
    FROM (VALUES ${rows}) AS beat(id, received_at, heartbeat)
    WHERE servers.id = beat.id`.execute(db);
}

/**
 * The socket of session `sessionId` closed: the server goes offline unless a later hello, on
 * another API process, made another session its own. Returns whether it went offline.
 */
export async function markServerOffline(db: Kysely<Database>, serverId: string, sessionId: string): Promise<boolean> {
  const changed = await db
    .updateTable('servers')
    .set({ status: 'offline' })
    .where('id', '=', serverId)
    .where('status', '=', 'online')
    .where('agent_session_id', '=', sessionId)
    .executeTakeFirst();
  return changed.numUpdatedRows > 0n;
}

/**
 * Servers whose agent missed its heartbeats (silent for longer than the allowance) go offline.
 * Returns the ids it changed, so the caller can announce them.
 */
export async function markSilentServersOffline(db: Kysely<Database>, silenceAllowedSeconds: number): Promise<string[]> {
  const rows = await db
    .updateTable('servers')
    .set({ status: 'offline' })
    .where('status', '=', 'online')
    .where('last_heartbeat_at', '<', sql<Date>`NOW() - make_interval(secs => ${silenceAllowedSeconds})`)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}
