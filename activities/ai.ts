import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { AiActivities } from '../contracts/ai-tasks.js';
import { analyzeIssue } from '../control/ai/error-analysis.js';
import { auditIncidentSummary, summarizeIncidentWithModel } from '../control/ai/incident-summary.js';
import type { AiLog } from '../control/ai/provider.js';
import { metered } from '../control/ai/usage.js';
import type { Platform } from '../control/platform.js';
import { incidentOfOrganization } from '../db/queries/ai-context.js';
import { issueById } from '../db/queries/issues.js';

/*
 * The AI queue's activities. They run in the API process (cli/ai-activity-worker.ts), the one
 * that holds ClickHouse, where an issue's logs are. The organization is checked again here: the
 * workflow carries ids only, and an issue moved or deleted since the request is not found.
 */

/** The services an incident names, as the alert evaluator wrote them into its details. */
const IncidentServices = z.object({ services: z.array(z.object({ id: z.string().uuid() })).catch([]) });

export function aiActivities(deps: Pick<Platform, 'db' | 'clickhouse' | 'secrets'> & { log: AiLog }): AiActivities {
  return {
    async analyzeIssue({ issueId, orgId }) {
      const issue = await issueById(deps.db, { orgId }, issueId);
      if (!issue) throw ApplicationFailure.nonRetryable(`No issue ${issueId} in organization ${orgId}`, 'NOT_FOUND');
      const { value: analysis, usage } = await metered(() => analyzeIssue(deps, deps.log, issue, orgId));
      return { engine: analysis.engine, model: analysis.model, analyzedAt: analysis.analyzed_at, usage };
    },

    async summarizeIncident({ incidentId, orgId }) {
      const incident = await incidentOfOrganization(deps.db, orgId, incidentId);
      if (!incident) throw ApplicationFailure.nonRetryable(`No incident ${incidentId} in organization ${orgId}`, 'NOT_FOUND');
      const { services } = IncidentServices.parse(incident.details ?? {});
      const { value, usage } = await metered(() =>
        summarizeIncidentWithModel(deps, deps.log, { id: incident.id, message: incident.message, firedAt: incident.fired_at, serviceIds: services.map((service) => service.id) }, orgId),
      );
      const outcome = { ...value, usage };
      await auditIncidentSummary(deps.db, orgId, incidentId, outcome);
      return outcome;
    },
  };
}
