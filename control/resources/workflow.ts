import { DagNodeResult, StringMap, type Workflow, WorkflowDefinition, type WorkflowRun, WorkflowRunStatus, type WorkflowVersion } from '../../contracts/index.js';
import type { WorkflowRow, WorkflowRunRow } from '../../db/postgres/database.js';
import { upcomingFireTimes } from '../dag/schedules.js';
import { dagIds } from '../../workflows/workflow-ids.js';
import { temporalWebUrl } from './deployment.js';
import { isoTimestamp, isoTimestampOrNull } from './timestamps.js';
import { z } from 'zod';

export function workflowResource(row: WorkflowRow): Workflow {
  return {
    id: row.id,
    project_id: row.project_id,
    name: row.name,
    description: row.description,
    definition: WorkflowDefinition.parse(row.definition),
    version: row.version,
    trigger_type: row.cron_expression ? 'schedule' : 'manual',
    cron_expression: row.cron_expression,
    schedule: row.cron_expression
      ? {
          timezone: row.timezone,
          overlap_policy: row.overlap_policy as NonNullable<Workflow['schedule']>['overlap_policy'],
          catchup_window_seconds: row.catchup_window_seconds,
          paused: row.schedule_paused,
          next_fire_times: upcomingFireTimes(row),
          temporal_schedule_id: dagIds.schedule(row.id),
        }
      : null,
    is_active: row.is_active ?? true,
    created_at: isoTimestamp(row.created_at, 'workflows.created_at'),
    updated_at: isoTimestamp(row.updated_at, 'workflows.updated_at'),
  };
}

const StepResults = z.record(z.string(), DagNodeResult);

/** `temporal`: where Temporal Web is, to link the run's workflow. */
export function workflowRunResource(row: WorkflowRunRow & { version?: number | null }, temporal?: { webUrl: string | null; namespace: string }): WorkflowRun {
  return {
    id: row.id,
    workflow_id: row.workflow_id,
    version: row.version ?? null,
    status: WorkflowRunStatus.parse(row.status ?? 'running'),
    triggered_by: row.triggered_by,
    trigger_type: row.trigger_type,
    inputs: StringMap.parse(row.inputs ?? {}),
    step_results: StepResults.parse(row.step_results ?? {}),
    temporal_workflow_id: row.temporal_workflow_id,
    temporal_web_url: row.temporal_workflow_id && temporal ? temporalWebUrl(temporal.webUrl, temporal.namespace, row.temporal_workflow_id) : null,
    started_at: isoTimestamp(row.started_at, 'workflow_runs.started_at'),
    finished_at: isoTimestampOrNull(row.finished_at),
  };
}

export function workflowVersionResource(row: {
  version: number;
  definition: unknown;
  created_at: Date | null;
  created_by: string | null;
  email: string | null;
  name: string | null;
}): WorkflowVersion {
  return {
    version: row.version,
    definition: WorkflowDefinition.parse(row.definition),
    created_by: row.created_by && row.email !== null ? { id: row.created_by, email: row.email, name: row.name } : null,
    created_at: isoTimestamp(row.created_at, 'workflow_versions.created_at'),
  };
}
