import { CancellationScope, isCancellation, uuid4, workflowInfo } from '@temporalio/workflow';
import { activities } from './activities.js';
import { buildImage, cancelBuild } from './build.js';
import type { AgentReports } from './agent-reports.js';
import { commandRequestIds } from './command-ids.js';
import type { CommandOutcome, DeployInput, DeployResult } from '../contracts/operations.js';

/** How long the agent gets to stop a service's containers when a cancelled deploy had no predecessor. */
const cleanupStopTimeoutSeconds = 30;

/** One rollout of a deployment's spec on the agent, from the outbox to its outcome. */
export async function rollOut(reports: AgentReports, deploymentId: string, timeoutSeconds: number): Promise<CommandOutcome> {
  const requestId = commandRequestIds.deploy(deploymentId);
  await activities.sendDeploy({ deploymentId, requestId });
  return reports.outcome({ requestId, deploymentId, timeoutSeconds });
}

/**
 * A deployment from queued to its final status. A failure with `rollbackOnFailure` redeploys the
 * last good deployment as a new `rollback` deployment. A cancel (the workflow's cancellation) runs
 * its cleanup in a non-cancellable scope, so the previous version is left serving.
 */
export async function runDeployment(reports: AgentReports, input: DeployInput): Promise<DeployResult> {
  const { deploymentId } = input;
  // Only deployments built from source have a build stage; every other run takes the same steps as before.
  let building = input.build !== undefined;
  try {
    if (input.build) {
      const built = await buildImage(deploymentId, input.build);
      if (built === 'cancelled') return { deploymentId, status: 'cancelled' };
      if (!built.ok) {
        // Nothing was rolled out: the previous version serves on, so there is nothing to roll back.
        await activities.finishDeployment({ deploymentId, status: 'failed', message: built.error.message, errorCode: built.error.code });
        return { deploymentId, status: 'failed' };
      }
      building = false;
    }
    if (!(await activities.markDeploying(deploymentId))) return { deploymentId, status: 'cancelled' };
    const outcome = await rollOut(reports, deploymentId, input.timeoutSeconds);
    if (outcome.ok) {
      await activities.finishDeployment({ deploymentId, status: 'running', message: 'Running: every replica passed its health check' });
      return { deploymentId, status: 'running' };
    }
    if (input.rollbackOnFailure) return await rollBack(reports, input, outcome.error);
    await activities.finishDeployment({ deploymentId, status: 'failed', message: outcome.error.message, errorCode: outcome.error.code });
    return { deploymentId, status: 'failed' };
  } catch (error) {
    if (!isCancellation(error)) throw error;
    return CancellationScope.nonCancellable(() => (building ? cancelBuild(input) : cancel(reports, input)));
  }
}

async function rollBack(reports: AgentReports, input: DeployInput, failure: { code: string; message: string }): Promise<DeployResult> {
  const { deploymentId, serviceId } = input;
  const targetId = await activities.lastGoodDeployment({ serviceId, exceptId: deploymentId });
  if (!targetId) {
    const message = `${failure.message}; no earlier deployment ran, so there is nothing to roll back to`;
    await activities.finishDeployment({ deploymentId, status: 'failed', message, errorCode: failure.code });
    return { deploymentId, status: 'failed' };
  }
  const rollbackId = uuid4();
  await activities.createRollbackDeployment({ id: rollbackId, failedId: deploymentId, targetId, workflowId: workflowInfo().workflowId });
  await activities.finishDeployment({
    deploymentId,
    status: 'rolled_back',
    message: `${failure.message}; rolling back to deployment ${targetId} (as ${rollbackId})`,
    errorCode: failure.code,
  });
  // A rollback redeploys an image already built: no build stage.
  const result = await runDeployment(reports, { ...input, deploymentId: rollbackId, rollbackOnFailure: false, build: undefined });
  return { deploymentId, status: 'rolled_back', rollbackDeploymentId: result.deploymentId };
}

/**
 * A command still in the outbox is withdrawn and the agent never sees it. One the agent already
 * has runs to its end (the agent allows one command per service at a time); if it went live, the
 * previous deployment is rolled out again, or, without one, the new containers are stopped.
 */
async function cancel(reports: AgentReports, input: DeployInput): Promise<DeployResult> {
  const { deploymentId, serviceId } = input;
  const requestId = commandRequestIds.deploy(deploymentId);
  if (!(await activities.withdrawCommand(requestId))) {
    const outcome = await reports.outcome({ requestId, deploymentId, timeoutSeconds: input.timeoutSeconds });
    if (outcome.ok) {
      const previousId = await activities.lastGoodDeployment({ serviceId, exceptId: deploymentId });
      if (previousId) await rollOut(reports, previousId, input.timeoutSeconds);
      else await stopContainers(reports, input);
    }
  }
  await activities.finishDeployment({ deploymentId, status: 'cancelled', message: 'Cancelled on request; the previous version keeps serving' });
  return { deploymentId, status: 'cancelled' };
}

async function stopContainers(reports: AgentReports, input: DeployInput): Promise<void> {
  const requestId = commandRequestIds.cleanupStop();
  await activities.sendCommand({
    type: 'stop',
    serverId: input.serverId,
    expiresInSeconds: input.timeoutSeconds,
    payload: { request_id: requestId, service_id: input.serviceId, timeout_seconds: cleanupStopTimeoutSeconds, remove_container: true },
  });
  await reports.outcome({ requestId, timeoutSeconds: cleanupStopTimeoutSeconds });
}
