import { collectAgentReports } from './agent-reports.js';
import type { DeployInput, DeployResult } from '../contracts/operations.js';
import { runDeployment } from './rollout.js';

/**
 * `rollback-<deploymentId>`: a deployment that redeploys an earlier one's spec (the API created
 * it with `trigger_type` rollback). It never rolls back itself: a failed rollback stays failed,
 * with the version the agent kept serving.
 */
export async function rollbackService(input: DeployInput): Promise<DeployResult> {
  const reports = collectAgentReports();
  return runDeployment(reports, { ...input, rollbackOnFailure: false });
}
