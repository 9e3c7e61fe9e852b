import { proxyActivities } from '@temporalio/workflow';
import type { AiActivities, IncidentSummaryInput, IncidentSummaryResult, IssueAnalysisInput, IssueAnalysisResult } from '../contracts/ai-tasks.js';

/*
 * The AI's durable steps: an issue's analysis and a fired incident's summary. Each activity may ask
 * a model that is slow or down, so it runs with its own timeout and a few retries instead of inside
 * an HTTP request or the alert evaluator's round. The provider falls back to the built-in engine
 * inside the activity, so a retry here means the stores failed.
 */

/** The provider's two attempts of a minute each, plus the evidence read from the stores. */
const aiAttemptTimeout = '3 minutes';
/** No API process polling the AI queue must not leave the caller waiting for the whole run. */
const aiScheduleToStartTimeout = '1 minute';

const aiActivitiesOn = (taskQueue: string) =>
  proxyActivities<AiActivities>({
    taskQueue,
    startToCloseTimeout: aiAttemptTimeout,
    scheduleToStartTimeout: aiScheduleToStartTimeout,
    retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2 },
  });

export async function issueAnalysis(input: IssueAnalysisInput): Promise<IssueAnalysisResult> {
  return aiActivitiesOn(input.activityTaskQueue).analyzeIssue({ issueId: input.issueId, orgId: input.orgId });
}

export async function incidentSummary(input: IncidentSummaryInput): Promise<IncidentSummaryResult> {
  return aiActivitiesOn(input.activityTaskQueue).summarizeIncident({ incidentId: input.incidentId, orgId: input.orgId });
}
