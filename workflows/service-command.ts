import { ApplicationFailure } from '@temporalio/workflow';
import type { ServiceCommand } from '../contracts/operations.js';
import { activities } from './activities.js';
import { collectAgentReports } from './agent-reports.js';
import { commandRequestIds } from './command-ids.js';

/**
 * Sends the workflow's one command to the service's agent and waits for the answer; a refusal or
 * a timeout fails the workflow with the agent's error code and message, except a refusal whose
 * code says the work needs no doing (`doneAlready`).
 */
export async function runServiceCommand(
  serverId: string,
  command: (requestId: string) => ServiceCommand,
  options: { timeoutSeconds: number; doneAlready?: string },
): Promise<void> {
  const reports = collectAgentReports();
  const requestId = commandRequestIds.serviceCommand();
  await activities.sendCommand({ ...command(requestId), serverId, expiresInSeconds: options.timeoutSeconds });
  const outcome = await reports.outcome({ requestId, timeoutSeconds: options.timeoutSeconds });
  if (outcome.ok || outcome.error.code === options.doneAlready) return;
  throw ApplicationFailure.nonRetryable(outcome.error.message, outcome.error.code);
}
