import { proxyActivities } from '@temporalio/workflow';
import { activities } from './activities.js';
import { commandRequestIds } from './command-ids.js';
import type { BuildActivities, BuildOutcome, DeployInput } from '../contracts/operations.js';

/** How long a heartbeat may be missing before the build activity is retried on another worker. */
const heartbeatTimeout = '5 seconds';
/** Time beyond the build's own limit for the agent's answer to travel back. */
const answerGraceSeconds = 60;

/**
 * The build stage of a deployment built from source: queued → building, then the heartbeating
 * `runBuild` activity, which the agent's `build_progress` moves to pushing. 'cancelled' when the
 * deployment was cancelled before its build started.
 */
export async function buildImage(deploymentId: string, build: NonNullable<DeployInput['build']>): Promise<BuildOutcome | 'cancelled'> {
  const retry = { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2 };
  const { markBuilding } = proxyActivities<BuildActivities>({ startToCloseTimeout: '1 minute', retry });
  const limit = `${build.timeoutSeconds + answerGraceSeconds} seconds`;
  // Bounded as a whole too: retries after a lost worker never outlive the build's own limit.
  const { runBuild } = proxyActivities<BuildActivities>({ startToCloseTimeout: limit, scheduleToCloseTimeout: limit, heartbeatTimeout, retry });
  if (!(await markBuilding(deploymentId))) return 'cancelled';
  return runBuild({ deploymentId, requestId: commandRequestIds.build(deploymentId), timeoutSeconds: build.timeoutSeconds });
}

/** A cancel during the build: the agent stops it at once; nothing was rolled out, so nothing is undone. */
export async function cancelBuild(input: DeployInput): Promise<{ deploymentId: string; status: 'cancelled' }> {
  const { deploymentId } = input;
  await activities.sendCommand({
    type: 'cancel_build',
    serverId: input.serverId,
    expiresInSeconds: 60,
    payload: { request_id: commandRequestIds.cancelBuild(deploymentId), deployment_id: deploymentId },
  });
  await activities.finishDeployment({ deploymentId, status: 'cancelled', message: 'Cancelled during its build; the previous version keeps serving' });
  return { deploymentId, status: 'cancelled' };
}
