import { workflowInfo } from '@temporalio/workflow';

/*
 * The `request_id` of every agent command a workflow sends: `<workflow id>:<step>`, made here and
 * nowhere else. Temporal does not deduplicate signals and activities may run twice, so the id must
 * be the same on every retry (the outbox then stores the command once), and unique across
 * workflows, which the workflow id makes it. The format is stored in outboxes: a deploy's
 * cancellation rebuilds the id of the command it withdraws, so changing it strands commands in
 * flight. Nothing parses it at run time: the outbox row records the workflow that sent it
 * (`workflow_id`), and the gateway signals that one (api/gateway/report-forwarding.ts). Migration 0015 read
 * it once, for rows written before; workflow ids never contain ':'.
 */
const requestId = (step: string) => `${workflowInfo().workflowId}:${step}`;

export const commandRequestIds = {
  /**
   * This workflow's deploy of one deployment: a rollout, the rollback it starts on failure, or the
   * previous deployment rolled out again when a cancel comes too late to withdraw.
   */
  deploy: (deploymentId: string) => requestId(`deploy-${deploymentId}`),
  /** The build of a deployment built from source, and the cancel that stops it. */
  build: (deploymentId: string) => requestId(`build-${deploymentId}`),
  cancelBuild: (deploymentId: string) => requestId(`cancel-build-${deploymentId}`),
  /** The stop that removes a cancelled first deploy's containers. */
  cleanupStop: () => requestId('stop'),
  /** The one command of a scale, restart, stop or health-check workflow. */
  serviceCommand: () => requestId('command'),
};
