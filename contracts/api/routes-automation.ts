import { z } from 'zod';
import {
  AlertIncident,
  ApprovalDecision,
  StartWorkflowRun,
  WorkflowRunNodeParams,
  AlertListQuery,
  AlertParams,
  AlertRule,
  AlertTestResult,
  CreateAlertRule,
  CreateWorkflow,
  IncidentListQuery,
  IncidentParams,
  UpdateAlertRule,
  UpdateWorkflow,
  Workflow,
  WorkflowParams,
  WorkflowRun,
  WorkflowRunListQuery,
  WorkflowRunParams,
  WorkflowVersion,
} from './automation.js';
import { Pagination, ProjectParams } from './queries.js';
import { v1, type ApiRoute } from './route.js';

/** Alert rules and incidents, DAG workflow definitions and runs: beyond the contract (ARCHITECTURE correction 5). */
export const automationRoutes = [
  // Alert rules and incidents (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'GET', path: v1('/alerts'), operationId: 'listAlertRules', summary: "The organization's alert rules",
    tags: ['alerts'], query: AlertListQuery, response: z.array(AlertRule), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/alerts'), operationId: 'createAlertRule',
    summary: 'Create an alert rule for a project or a service', tags: ['alerts'], body: CreateAlertRule,
    response: AlertRule, successStatus: 201, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'GET', path: v1('/alerts/{alertId}'), operationId: 'getAlertRule', summary: 'Get an alert rule',
    tags: ['alerts'], params: AlertParams, response: AlertRule, successStatus: 200,
  },
  {
    method: 'PATCH', path: v1('/alerts/{alertId}'), operationId: 'updateAlertRule',
    summary: "Change an alert rule's name, condition, channels or state", tags: ['alerts'], params: AlertParams,
    body: UpdateAlertRule, response: AlertRule, successStatus: 200,
  },
  {
    method: 'DELETE', path: v1('/alerts/{alertId}'), operationId: 'deleteAlertRule',
    summary: 'Delete an alert rule and its incidents', tags: ['alerts'], params: AlertParams, response: null,
    successStatus: 204,
  },
  {
    method: 'POST', path: v1('/alerts/{alertId}/test'), operationId: 'testAlertRule',
    summary: "Send a test notice to each of a rule's channels now (no incident is made)", tags: ['alerts'],
    params: AlertParams, response: AlertTestResult, successStatus: 200,
  },
  {
    method: 'GET', path: v1('/incidents'), operationId: 'listIncidents', summary: 'Alert incidents, newest first',
    tags: ['alerts'], query: IncidentListQuery, response: z.array(AlertIncident), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/incidents/{incidentId}'), operationId: 'getIncident', summary: 'Get an alert incident',
    tags: ['alerts'], params: IncidentParams, response: AlertIncident, successStatus: 200,
  },
  {
    method: 'POST', path: v1('/incidents/{incidentId}/acknowledge'), operationId: 'acknowledgeIncident',
    summary: 'Acknowledge a firing incident', tags: ['alerts'], params: IncidentParams, response: AlertIncident,
    successStatus: 200, errors: ['CONFLICT'],
  },

  // DAG workflows (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'GET', path: v1('/projects/{projectId}/workflows'), operationId: 'listWorkflows',
    summary: "A project's workflow definitions", tags: ['workflows'], params: ProjectParams, query: Pagination,
    response: z.array(Workflow), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/projects/{projectId}/workflows'), operationId: 'createWorkflow',
    summary: 'Define a DAG workflow', tags: ['workflows'], params: ProjectParams, body: CreateWorkflow,
    response: Workflow, successStatus: 201, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'GET', path: v1('/workflows/{workflowId}'), operationId: 'getWorkflow', summary: 'Get a workflow definition',
    tags: ['workflows'], params: WorkflowParams, response: Workflow, successStatus: 200,
  },
  {
    method: 'PATCH', path: v1('/workflows/{workflowId}'), operationId: 'updateWorkflow',
    summary: 'Change a workflow definition or its schedule', tags: ['workflows'], params: WorkflowParams,
    body: UpdateWorkflow, response: Workflow, successStatus: 200, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'DELETE', path: v1('/workflows/{workflowId}'), operationId: 'deleteWorkflow',
    summary: 'Delete a workflow definition and its run history', tags: ['workflows'], params: WorkflowParams,
    response: null, successStatus: 204, errors: ['CONFLICT'],
  },
  {
    method: 'GET', path: v1('/workflows/{workflowId}/versions'), operationId: 'listWorkflowVersions',
    summary: "A workflow's saved versions, newest first, with who saved each", tags: ['workflows'], params: WorkflowParams,
    query: Pagination, response: z.array(WorkflowVersion), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/workflows/{workflowId}/runs'), operationId: 'listWorkflowRuns',
    summary: "A workflow's runs, newest first", tags: ['workflows'], params: WorkflowParams,
    query: WorkflowRunListQuery, response: z.array(WorkflowRun), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/workflow-runs/{runId}'), operationId: 'getWorkflowRun',
    summary: 'Get a workflow run with its step results', tags: ['workflows'], params: WorkflowRunParams,
    response: WorkflowRun, successStatus: 200,
  },
  {
    method: 'POST', path: v1('/workflows/{workflowId}/runs'), operationId: 'startWorkflowRun',
    summary: "Run a workflow's current version now", tags: ['workflows'], params: WorkflowParams, body: StartWorkflowRun,
    response: WorkflowRun, successStatus: 201, errors: ['UNPROCESSABLE', 'SERVICE_UNAVAILABLE'],
  },
  {
    method: 'POST', path: v1('/workflow-runs/{runId}/cancel'), operationId: 'cancelWorkflowRun',
    summary: 'Cancel a run: the nodes in flight are cancelled, a deploy the way its own cancel does', tags: ['workflows'],
    params: WorkflowRunParams, response: WorkflowRun, successStatus: 202, errors: ['CONFLICT'],
  },
  {
    method: 'POST', path: v1('/workflow-runs/{runId}/nodes/{nodeId}/approve'), operationId: 'approveWorkflowNode',
    summary: 'Approve an approval node that waits', tags: ['workflows'], params: WorkflowRunNodeParams, body: ApprovalDecision,
    response: WorkflowRun, successStatus: 202, errors: ['CONFLICT'],
  },
  {
    method: 'POST', path: v1('/workflow-runs/{runId}/nodes/{nodeId}/reject'), operationId: 'rejectWorkflowNode',
    summary: 'Reject an approval node that waits', tags: ['workflows'], params: WorkflowRunNodeParams, body: ApprovalDecision,
    response: WorkflowRun, successStatus: 202, errors: ['CONFLICT'],
  },
  {
    method: 'POST', path: v1('/workflows/{workflowId}/schedule/pause'), operationId: 'pauseWorkflowSchedule',
    summary: "Pause a workflow's schedule", tags: ['workflows'], params: WorkflowParams,
    response: Workflow, successStatus: 200, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'POST', path: v1('/workflows/{workflowId}/schedule/resume'), operationId: 'resumeWorkflowSchedule',
    summary: "Resume a workflow's schedule", tags: ['workflows'], params: WorkflowParams,
    response: Workflow, successStatus: 200, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'POST', path: v1('/workflows/{workflowId}/schedule/trigger'), operationId: 'triggerWorkflowSchedule',
    summary: "Fire a workflow's schedule now (a run with trigger schedule, under its overlap policy)", tags: ['workflows'], params: WorkflowParams,
    response: null, successStatus: 204, errors: ['UNPROCESSABLE'],
  },
] as const satisfies readonly ApiRoute[];
