import { type Kysely, sql } from 'kysely';

/**
 * What the gateway learns from an agent beyond the contract's server columns: the last heartbeat
 * (usage and each service's container states) and the negotiated protocol. The agent token is
 * looked up by its hash on every connection, so the hash gets an index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE servers
    ADD COLUMN last_heartbeat JSONB,
    ADD COLUMN protocol_version VARCHAR(10)`.execute(db);
  await sql`CREATE UNIQUE INDEX idx_servers_agent_token_hash ON servers(agent_token_hash)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX idx_servers_agent_token_hash`.execute(db);
  await sql`ALTER TABLE servers DROP COLUMN last_heartbeat, DROP COLUMN protocol_version`.execute(db);
}
