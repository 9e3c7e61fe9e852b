import { proxyActivities } from '@temporalio/workflow';
import type { AiActivities, IssueAnalysisInput, IssueAnalysisResult } from '../contracts/ai-tasks.js';

/*
 * One issue's analysis as a durable step: the activity may ask a model that is slow or down, so it
 * runs with its own timeout and a few retries instead of inside the HTTP request. The provider
 * falls back to the built-in rules inside the activity, so a retry here means the stores failed.
 */

/** The provider's two attempts of a minute each, plus the evidence read from the stores. */
const analysisAttemptTimeout = '3 minutes';
/** No API process polling the AI queue must not leave the caller waiting for the whole run. */
const analysisScheduleToStartTimeout = '1 minute';

export async function issueAnalysis(input: IssueAnalysisInput): Promise<IssueAnalysisResult> {
  const { analyzeIssue } = proxyActivities<AiActivities>({
    taskQueue: input.activityTaskQueue,
    startToCloseTimeout: analysisAttemptTimeout,
    scheduleToStartTimeout: analysisScheduleToStartTimeout,
    retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2 },
  });
  return analyzeIssue({ issueId: input.issueId, orgId: input.orgId });
}
