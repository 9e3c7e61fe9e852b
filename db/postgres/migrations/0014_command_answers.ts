import { type Kysely, sql } from 'kysely';

/**
 * An agent's answer to a command is NOTIFYed on `agent_command_answers` with the command's
 * `request_id`, whichever API process recorded it: a request waiting for its command's answer
 * (`POST /services/:id/exec`) may run in another process than the one holding the agent's socket.
 * The payload is only the id (at most 100 characters): waiters read the answer from the row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE FUNCTION notify_agent_command_answer()
  RETURNS TRIGGER AS $$
  BEGIN
      PERFORM pg_notify('agent_command_answers', NEW.request_id);
      RETURN NULL;
  END;
  $$ LANGUAGE plpgsql`.execute(db);
  await sql`CREATE TRIGGER agent_commands_answered AFTER UPDATE OF status ON agent_commands
    FOR EACH ROW WHEN (NEW.status = 'answered' AND OLD.status IS DISTINCT FROM 'answered')
    EXECUTE FUNCTION notify_agent_command_answer()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER agent_commands_answered ON agent_commands`.execute(db);
  await sql`DROP FUNCTION notify_agent_command_answer()`.execute(db);
}
