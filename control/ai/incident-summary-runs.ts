import type { incidentSummary } from '../../workflows/ai-analysis.js';
import { aiIds } from '../../workflows/workflow-ids.js';
import { aiSettingsOf } from '../../db/queries/ai-settings.js';
import { operationQueueOf } from '../operations/queue.js';
import type { Platform } from '../platform.js';
import { ApiProblem } from '../problem.js';
import { auditIncidentSummary } from './incident-summary.js';

/*
 * Asks for a fired incident's summary by the organization's model, as a workflow (on the
 * operations queue; its activity on the API's AI queue, which reads the logs) started and not
 * awaited: the alert evaluator's round must not wait on a model. An organization with AI off
 * costs nothing, not even a workflow; one over its AI rate limit keeps the built-in summary, and
 * the audit says so.
 */

/** Bounds a run whose activity never gets picked up or keeps failing; the built-in summary is there meanwhile. */
const summaryRunTimeout = '10 minutes';

export type RequestModelSummary = (incident: { id: string; orgId: string }) => Promise<void>;

/** `limitAiCalls` is the organization's AI limit the AI routes take from too, so alerts and people share one budget. */
export function modelIncidentSummaries(platform: Platform, limitAiCalls: (orgId: string) => Promise<void>): RequestModelSummary {
  return async ({ id, orgId }) => {
    if (!(await aiSettingsOf(platform.db, orgId))?.enabled) return;
    try {
      await limitAiCalls(orgId);
    } catch (error) {
      if (!(error instanceof ApiProblem && error.code === 'RATE_LIMITED')) throw error;
      await auditIncidentSummary(platform.db, orgId, id, { engine: 'builtin', model: null, fallbackReason: error.message, usage: { promptTokens: 0, completionTokens: 0 } });
      return;
    }
    const { client, taskQueue } = operationQueueOf(platform);
    await client.workflow.start<typeof incidentSummary>('incidentSummary', {
      workflowId: aiIds.incidentSummary(id),
      taskQueue,
      args: [{ incidentId: id, orgId, activityTaskQueue: platform.temporal.apiTaskQueues.ai }],
      // An incident is summed up once: a repeated request joins the run in flight.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowExecutionTimeout: summaryRunTimeout,
    });
  };
}
