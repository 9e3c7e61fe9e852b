import type { Kysely } from 'kysely';
import type { DeployStatusPayload } from '../../contracts/index.js';
import type { Database, DeploymentEventRow, DeploymentStatus } from '../postgres/database.js';

/*
 * The progress of deployments, in order. Every insert notifies the `deployment_events` channel
 * (migration 0007's trigger), which live views listen on.
 */

export interface RecordedAgentReport {
  /** The stored event; a repeat's is the one its first delivery stored. */
  event: DeploymentEventRow;
  /** The rollout reached a new status (pulling, creating …), not just more progress in the same one; for a repeat, as it was when first stored. */
  milestone: boolean;
}

/** The status of the agent's latest event for a deployment, before `before` when given. */
async function lastAgentStatus(db: Kysely<Database>, deploymentId: string, before?: Date): Promise<string | undefined> {
  let query = db.selectFrom('deployment_events').select('status').where('deployment_id', '=', deploymentId).where('source', '=', 'agent');
  if (before) query = query.where('at', '<', before);
  return (await query.orderBy('at', 'desc').limit(1).executeTakeFirst())?.status;
}

/**
 * Stores an agent's `deploy_status`. Only a deployment of a service that runs on the reporting
 * server is recorded, so one agent cannot write another server's history; anything else is
 * undefined. `reportId` (the message's envelope id) records a report that a protocol 1.3 agent
 * sends again once; two that collide run into the column's unique key, and fail.
 */
export async function recordAgentReport(
  db: Kysely<Database>,
  serverId: string,
  report: DeployStatusPayload,
  reportId?: string,
): Promise<RecordedAgentReport | undefined> {
  return db.transaction().execute(async (trx) => {
    const deployment = await trx
      .selectFrom('deployments')
      .innerJoin('services', 'services.id', 'deployments.service_id')
      .innerJoin('projects', 'projects.id', 'services.project_id')
      .select(['deployments.id', 'deployments.service_id', 'projects.org_id'])
      .where('deployments.id', '=', report.deployment_id)
      .where('services.server_id', '=', serverId)
      .executeTakeFirst();
    if (!deployment) return undefined;
    if (reportId !== undefined) {
      const stored = await trx
        .selectFrom('deployment_events')
        .selectAll()
        .where('report_id', '=', reportId)
        .where('deployment_id', '=', deployment.id)
        .executeTakeFirst();
      // Written nothing this time; a milestone is signalled again, as the first delivery may have died before it was.
      if (stored) return { event: stored, milestone: (await lastAgentStatus(trx, deployment.id, stored.at)) !== stored.status };
    }
    // deploy_status is the only place the agent says where the service answers: kept on the deployment.
    if (report.endpoint) await trx.updateTable('deployments').set({ endpoint: report.endpoint }).where('id', '=', deployment.id).execute();
    const previous = await lastAgentStatus(trx, deployment.id);
    const event = await trx
      .insertInto('deployment_events')
      .values({
        deployment_id: deployment.id,
        service_id: deployment.service_id,
        org_id: deployment.org_id,
        source: 'agent',
        status: report.status,
        phase: report.phase,
        progress_percent: Math.round(report.progress_percent),
        message: report.message,
        logs: JSON.stringify(report.logs ?? []),
        container_id: report.container_id ?? null,
        error_code: report.error?.code ?? null,
        report_id: reportId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { event, milestone: previous !== report.status };
  });
}

/** A status the control plane gave the deployment (deploying, running, failed …), as an event. */
export async function recordStatusChange(
  db: Kysely<Database>,
  change: { deploymentId: string; status: DeploymentStatus; message: string; errorCode?: string },
): Promise<void> {
  const deployment = await db
    .selectFrom('deployments')
    .innerJoin('services', 'services.id', 'deployments.service_id')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select(['deployments.service_id', 'projects.org_id'])
    .where('deployments.id', '=', change.deploymentId)
    .executeTakeFirst();
  if (!deployment) return;
  await db
    .insertInto('deployment_events')
    .values({
      deployment_id: change.deploymentId,
      service_id: deployment.service_id,
      org_id: deployment.org_id,
      source: 'control_plane',
      status: change.status,
      message: change.message,
      error_code: change.errorCode ?? null,
    })
    .execute();
}

export async function eventsOfDeployment(db: Kysely<Database>, deploymentId: string): Promise<DeploymentEventRow[]> {
  return db.selectFrom('deployment_events').selectAll().where('deployment_id', '=', deploymentId).orderBy('at').orderBy('id').execute();
}

export async function deploymentEventById(db: Kysely<Database>, id: string): Promise<DeploymentEventRow | undefined> {
  return db.selectFrom('deployment_events').selectAll().where('id', '=', id).executeTakeFirst();
}
