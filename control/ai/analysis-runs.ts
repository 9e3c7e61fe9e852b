import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import type { IssueAnalysisResult } from '../../contracts/ai-tasks.js';
import type { issueAnalysis } from '../../workflows/ai-analysis.js';
import { aiIds } from '../../workflows/workflow-ids.js';
import { operationQueueOf } from '../operations/queue.js';
import type { Platform } from '../platform.js';
import { ApiProblem } from '../problem.js';

/*
 * Starts an issue's analysis workflow (on the operations queue; its activity on the API's AI
 * queue) and waits for it. A request that comes while one runs for the same issue joins that run
 * instead of starting another. The request waits a bounded time; the run goes on past it and
 * stores its answer, which the next request without force_refresh returns.
 */

/** Past this the caller gets a 503 saying the analysis goes on; the provider's own timeout is a minute. */
const analysisWaitMs = 150_000;
/** Bounds a run whose activity never gets picked up or keeps failing. */
const analysisRunTimeout = '10 minutes';

export async function runIssueAnalysis(platform: Platform, issueId: string, orgId: string, waitMs = analysisWaitMs): Promise<IssueAnalysisResult> {
  const { client, taskQueue } = operationQueueOf(platform);
  const handle = await client.workflow.start<typeof issueAnalysis>('issueAnalysis', {
    workflowId: aiIds.issueAnalysis(issueId),
    taskQueue,
    args: [{ issueId, orgId, activityTaskQueue: platform.temporal.apiTaskQueues.ai }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowExecutionTimeout: analysisRunTimeout,
  });
  const waited = new AbortController();
  try {
    const outcome = await Promise.race([handle.result(), sleep(waitMs, null, { signal: waited.signal })]);
    if (outcome === null) {
      throw new ApiProblem('SERVICE_UNAVAILABLE', `The analysis of issue ${issueId} is still running; ask again without force_refresh in a minute for its answer`);
    }
    return outcome;
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    const cause = error.cause?.cause;
    if (cause instanceof ApplicationFailure && cause.type === 'NOT_FOUND') throw new ApiProblem('NOT_FOUND', `No issue ${issueId} in this organization`);
    const why = cause instanceof TimeoutFailure || error.cause instanceof TimeoutFailure ? 'timed out' : 'failed';
    throw new ApiProblem('SERVICE_UNAVAILABLE', `The analysis of issue ${issueId} ${why}: no API process answered on the AI queue, or the stores failed; try again`);
  } finally {
    waited.abort();
  }
}
