import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import type { DagActivities } from '../contracts/dag.js';
import { StoredAlertChannels } from '../control/alert-channels.js';
import { deliver } from '../control/alerting/channel-delivery.js';
import type { SecretCipher } from '../control/secrets/cipher.js';
import type { Database } from '../db/postgres/database.js';

type NotifyRequest = Parameters<DagActivities['sendDagNotification']>[0];

/**
 * A `notify` step: its message through every channel of its alert rule, which must belong to the
 * run's project or to the whole organization. Every channel is tried; one that fails fails the
 * attempt (the node's retry policy sends to all of them again).
 */
export async function sendDagNotification(db: Kysely<Database>, secrets: SecretCipher, { runId, nodeId, step }: NotifyRequest) {
  const run = await db
    .selectFrom('workflow_runs')
    .innerJoin('workflows', 'workflows.id', 'workflow_runs.workflow_id')
    .innerJoin('projects', 'projects.id', 'workflows.project_id')
    .select(['workflows.id as workflow_id', 'workflows.name', 'workflows.project_id', 'projects.org_id'])
    .where('workflow_runs.id', '=', runId)
    .executeTakeFirstOrThrow();
  const rule = await db
    .selectFrom('alerts')
    .select(['id', 'channels'])
    .where('id', '=', step.alert_id)
    .where('org_id', '=', run.org_id)
    .where((eb) => eb.or([eb('project_id', 'is', null), eb('project_id', '=', run.project_id)]))
    .executeTakeFirst();
  if (!rule) throw ApplicationFailure.nonRetryable(`Alert rule ${step.alert_id} is not a rule of this project or organization`, 'NOT_FOUND');
  const channels = StoredAlertChannels.safeParse(rule.channels);
  if (!channels.success) throw ApplicationFailure.nonRetryable(`The channels of alert rule ${rule.id} are unreadable`, 'CHANNELS_UNREADABLE');

  const headline = `[WORKFLOW] ${run.name}: ${step.message}`;
  const message = {
    webhookBody: JSON.stringify({ event: 'workflow.notify', workflow: { id: run.workflow_id, name: run.name }, run_id: runId, node_id: nodeId, message: step.message }),
    headline,
    text: [headline, '', `Workflow: ${run.name}`, `Run: ${runId}`, `Node: ${nodeId}`].join('\n'),
  };
  const outcomes = await Promise.allSettled(channels.data.map((channel) => deliver(secrets, rule.id, channel, message)));
  const failures = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [`${channels.data[index]!.type} channel: ${String(outcome.reason instanceof Error ? outcome.reason.message : outcome.reason)}`] : []));
  if (failures.length > 0) throw ApplicationFailure.retryable(`${failures.length} of ${outcomes.length} channels failed: ${failures.join('; ')}`, 'NOTIFICATION_FAILED');
  return { delivered: outcomes.length };
}
