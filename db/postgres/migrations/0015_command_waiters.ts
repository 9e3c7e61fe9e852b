import { type Kysely, sql } from 'kysely';

/**
 * An outbox row names the workflow waiting for the command's reports (`workflow_id`, NULL for a
 * command the API sent itself: exec, agent update) and, for a `deploy`, the deployment it rolls
 * out (`deployment_id`). The gateway signals a report's workflow from these, by equality: a
 * `command_response` names its command, a `deploy_status` only its deployment, whose newest deploy
 * on that server is the one reporting. `deployments.workflow_id` is not the waiter in every case: a
 * cancel that comes too late to withdraw a deploy rolls the previous deployment out again from the
 * cancelled deployment's workflow.
 *
 * Rows written before carry both in their `request_id` (`<workflow id>:<step>`, workflows/command-ids.ts;
 * workflow ids never contain ':') and payload, and are filled in from them, so commands in flight
 * across the upgrade are still answered to their workflow.
 * No foreign key to `deployments`: the outbox keeps a command whatever becomes of its deployment.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE agent_commands ADD COLUMN workflow_id VARCHAR(255), ADD COLUMN deployment_id UUID`.execute(db);
  await sql`UPDATE agent_commands SET workflow_id = split_part(request_id, ':', 1) WHERE strpos(request_id, ':') > 1`.execute(db);
  await sql`UPDATE agent_commands SET deployment_id = (payload ->> 'deployment_id')::uuid WHERE type = 'deploy'`.execute(db);
  await sql`CREATE INDEX idx_agent_commands_deployment ON agent_commands(deployment_id, created_at) WHERE deployment_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE agent_commands DROP COLUMN workflow_id, DROP COLUMN deployment_id`.execute(db);
}
