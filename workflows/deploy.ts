import { collectAgentReports } from './agent-reports.js';
import type { DeployInput, DeployResult } from '../contracts/operations.js';
import { runDeployment } from './rollout.js';

/** `deploy-<deploymentId>`: a deployment from queued to running, failed, rolled back or cancelled. */
export async function deployService(input: DeployInput): Promise<DeployResult> {
  const reports = collectAgentReports();
  return runDeployment(reports, input);
}
