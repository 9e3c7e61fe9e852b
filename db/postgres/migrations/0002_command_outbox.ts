import { type Kysely, sql } from 'kysely';

/**
 * The durable outbox of commands for agents. A workflow activity writes a row; whichever gateway
 * replica holds that server's socket is woken by the NOTIFY and sends it. `request_id` is the
 * idempotency key, so a retried activity cannot queue the same command twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE agent_commands (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    server_id UUID NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    request_id VARCHAR(100) NOT NULL UNIQUE,
    type VARCHAR(50) NOT NULL,
    payload JSONB NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'pending'
      CHECK (status IN ('pending', 'sent', 'answered', 'expired', 'cancelled')),
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    sent_at TIMESTAMPTZ,
    answered_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ
  )`.execute(db);
  // A gateway drains one server's queue in order: WHERE server_id = $1 AND status = 'pending' ORDER BY created_at.
  await sql`CREATE INDEX idx_agent_commands_server_status ON agent_commands(server_id, status, created_at)`.execute(db);

  // The payload is only the server id: listeners read the row, so nothing is lost to NOTIFY's 8 kB limit.
  await sql`CREATE FUNCTION notify_agent_command()
  RETURNS TRIGGER AS $$
  BEGIN
      PERFORM pg_notify('agent_commands', NEW.server_id::text);
      RETURN NULL;
  END;
  $$ LANGUAGE plpgsql`.execute(db);
  await sql`CREATE TRIGGER agent_commands_notify AFTER INSERT ON agent_commands
    FOR EACH ROW EXECUTE FUNCTION notify_agent_command()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE agent_commands`.execute(db);
  await sql`DROP FUNCTION notify_agent_command()`.execute(db);
}
