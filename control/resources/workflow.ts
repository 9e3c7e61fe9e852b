import { type Workflow, WorkflowDefinition, WorkflowRun, WorkflowRunStatus } from '../../contracts/index.js';
import type { WorkflowRow, WorkflowRunRow } from '../../db/postgres/database.js';
import { isoTimestamp, isoTimestampOrNull } from './timestamps.js';

export function workflowResource(row: WorkflowRow): Workflow {
  return {
    id: row.id,
    project_id: row.project_id,
    name: row.name,
    description: row.description,
    definition: WorkflowDefinition.parse(row.definition),
    trigger_type: row.cron_expression ? 'schedule' : 'manual',
    cron_expression: row.cron_expression,
    is_active: row.is_active ?? true,
    created_at: isoTimestamp(row.created_at, 'workflows.created_at'),
    updated_at: isoTimestamp(row.updated_at, 'workflows.updated_at'),
  };
}

export function workflowRunResource(row: WorkflowRunRow): WorkflowRun {
  return {
    id: row.id,
    workflow_id: row.workflow_id,
    status: WorkflowRunStatus.parse(row.status ?? 'running'),
    triggered_by: row.triggered_by,
    trigger_type: row.trigger_type,
    step_results: WorkflowRun.shape.step_results.parse(row.step_results ?? {}),
    started_at: isoTimestamp(row.started_at, 'workflow_runs.started_at'),
    finished_at: isoTimestampOrNull(row.finished_at),
  };
}
