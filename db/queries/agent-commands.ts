import type { Kysely } from 'kysely';
import type { AgentCommandRow, Database } from '../postgres/database.js';

/**
 * The durable outbox of commands for agents. Writers (workflow activities, the API) enqueue;
 * the gateway holding the server's socket delivers, woken by the table's NOTIFY or by the
 * agent's next hello. `request_id` makes enqueueing idempotent: a retried activity re-enqueues
 * nothing and gets the existing row back. A workflow's command names the workflow waiting for its
 * reports, and a deploy its deployment: the gateway signals that workflow (api/gateway/report-forwarding.ts).
 */
export async function enqueueAgentCommand(
  db: Kysely<Database>,
  command: {
    serverId: string;
    requestId: string;
    type: string;
    payload: unknown;
    sealedSecrets?: Buffer;
    expiresAt?: Date;
    workflowId?: string;
    deploymentId?: string;
  },
): Promise<AgentCommandRow> {
  const inserted = await db
    .insertInto('agent_commands')
    .values({
      server_id: command.serverId,
      request_id: command.requestId,
      type: command.type,
      payload: JSON.stringify(command.payload),
      sealed_secrets: command.sealedSecrets ?? null,
      expires_at: command.expiresAt ?? null,
      workflow_id: command.workflowId ?? null,
      deployment_id: command.deploymentId ?? null,
    })
    .onConflict((conflict) => conflict.column('request_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ?? (await commandByRequestId(db, command.requestId))!;
}

export async function commandByRequestId(db: Kysely<Database>, requestId: string): Promise<AgentCommandRow | undefined> {
  return db.selectFrom('agent_commands').selectAll().where('request_id', '=', requestId).executeTakeFirst();
}

/**
 * Commands not yet handed to the agent, oldest first; expired ones are marked and skipped. A
 * deploy without sealed secrets (stripped by migration 0013) could only run without its env and
 * credentials, so it is expired too.
 */
export async function takePendingCommands(db: Kysely<Database>, serverId: string): Promise<AgentCommandRow[]> {
  await db
    .updateTable('agent_commands')
    .set({ status: 'expired', sealed_secrets: null })
    .where('server_id', '=', serverId)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('expires_at', '<', new Date()), eb.and([eb('type', '=', 'deploy'), eb('sealed_secrets', 'is', null)])]))
    .execute();
  await forgetExpiredSecrets(db, serverId);
  return db
    .selectFrom('agent_commands')
    .selectAll()
    .where('server_id', '=', serverId)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function markCommandSent(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('agent_commands').set({ status: 'sent', sent_at: new Date() }).where('id', '=', id).where('status', '=', 'pending').execute();
}

/**
 * Records the agent's answer. Only a command of this server is matched, so one agent cannot
 * answer another's commands; a repeated answer changes nothing.
 */
export async function recordCommandResponse(
  db: Kysely<Database>,
  serverId: string,
  requestId: string,
  response: unknown,
): Promise<AgentCommandRow | undefined> {
  return db
    .updateTable('agent_commands')
    .set({ status: 'answered', answered_at: new Date(), response: JSON.stringify(response), sealed_secrets: null })
    .where('server_id', '=', serverId)
    .where('request_id', '=', requestId)
    .where('status', 'in', ['pending', 'sent'])
    .returningAll()
    .executeTakeFirst();
}

/**
 * Takes back a command its agent has not received yet; true when it was still pending. A
 * workflow that gives up waiting withdraws its command, so an agent coming back later never
 * runs what the control plane already reported as failed.
 */
export async function withdrawPendingCommand(db: Kysely<Database>, requestId: string): Promise<boolean> {
  const row = await db
    .updateTable('agent_commands')
    .set({ status: 'cancelled', sealed_secrets: null })
    .where('request_id', '=', requestId)
    .where('status', '=', 'pending')
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The workflow waiting for a deployment's `deploy_status` reports from a server: the one that sent
 * the deployment's newest deploy there. Usually `deployments.workflow_id`, but not always: a cancel
 * too late to withdraw a deploy rolls the previous deployment out again from the cancelled one's
 * workflow (workflows/rollout.ts), so the outbox, not the deployment, knows who waits.
 */
export async function deployStatusWaiter(db: Kysely<Database>, serverId: string, deploymentId: string): Promise<string | undefined> {
  const command = await db
    .selectFrom('agent_commands')
    .select('workflow_id')
    .where('server_id', '=', serverId)
    .where('deployment_id', '=', deploymentId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return command?.workflow_id ?? undefined;
}

/**
 * Puts a server's deploys that were sent but never answered, and have not expired, back in its
 * queue: called when the server's agent goes away. An agent that restarted has lost them and
 * runs them again from its next hello; one that only lost its connection gets a repeat, which it
 * recognises (the deployment already runs) and answers at once.
 */
export async function requeueUnansweredDeploys(db: Kysely<Database>, serverId: string): Promise<number> {
  const requeued = await db
    .updateTable('agent_commands')
    .set({ status: 'pending', sent_at: null })
    .where('server_id', '=', serverId)
    .where('type', '=', 'deploy')
    .where('status', '=', 'sent')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
    .returning('id')
    .execute();
  await forgetExpiredSecrets(db, serverId);
  // The agent may be back already (its hello read the queue before this ran): wake its gateway.
  if (requeued.length > 0) await db.selectNoFrom((eb) => eb.fn('pg_notify', [eb.val('agent_commands'), eb.val(serverId)]).as('notified')).execute();
  return requeued.length;
}

/**
 * Drops the sealed secrets of a server's deploys that were sent, never answered, and have expired:
 * they are never requeued, so nothing will send them again. Answered, expired-while-pending and
 * withdrawn commands lose theirs in the same statement that changes their status.
 */
async function forgetExpiredSecrets(db: Kysely<Database>, serverId: string): Promise<void> {
  await db
    .updateTable('agent_commands')
    .set({ sealed_secrets: null })
    .where('server_id', '=', serverId)
    .where('status', '=', 'sent')
    .where('sealed_secrets', 'is not', null)
    .where('expires_at', '<', new Date())
    .execute();
}
