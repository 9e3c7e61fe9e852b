import { type Kysely, sql } from 'kysely';

/**
 * A `deploy` command's secrets leave the outbox's JSON: its env values and registry credentials
 * are sealed under the master key in `agent_commands.sealed_secrets` (see
 * control/secrets/command-secrets.ts), and cleared once the command is answered, expired or cancelled.
 *
 * Deploy rows written before held `config.env_vars` and `registry_auth` in clear. A migration
 * has no master key to seal them with, so it strips them. A stripped deploy is never sent again
 * (`takePendingCommands` expires a pending deploy without sealed secrets, requeued ones included),
 * so a deploy in flight across the upgrade fails by timeout rather than run without its env. The
 * old row versions stay in the table until VACUUM, and in WAL and backups taken before the
 * upgrade: docs/architecture.md ("Secrets") says what to do about those.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE agent_commands ADD COLUMN sealed_secrets BYTEA`.execute(db);
  await sql`UPDATE agent_commands SET payload = (payload - 'registry_auth') #- '{config,env_vars}'
    WHERE type = 'deploy' AND (payload ? 'registry_auth' OR payload -> 'config' ? 'env_vars')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE agent_commands DROP COLUMN sealed_secrets`.execute(db);
}
