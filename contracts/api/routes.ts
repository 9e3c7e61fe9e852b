import { z } from 'zod';
import { LogEntry } from '../telemetry/records.js';
import {
  AddedMember,
  AddMember,
  ApiToken,
  AuditLogEntry,
  AuditLogQuery,
  AuthIdentity,
  CreateApiToken,
  CreatedApiToken,
  LoginRequest,
  Member,
  MemberParams,
  MyOrganization,
  SwitchOrganization,
  TokenParams,
  UpdateMember,
} from './access.js';
import {
  AlertIncident,
  AlertListQuery,
  AlertParams,
  AlertRule,
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
} from './automation.js';
import { apiErrorStatus, type ApiErrorCode } from './envelope.js';
import { HealthReport } from './health.js';
import { ErrorGroup, IssueEvent, MetricSeries, Trace, TraceSummary } from './observability.js';
import {
  DeploymentListQuery,
  DeploymentParams,
  EnvVarListQuery,
  EnvVarParams,
  IssueEventListQuery,
  IssueListQuery,
  IssueParams,
  LogQuery,
  Pagination,
  ProjectParams,
  ServerListQuery,
  ServerMetricsQuery,
  ServerParams,
  ServiceMetricsQuery,
  ServiceParams,
  TraceParams,
  TraceQuery,
} from './queries.js';
import {
  AgentUpdateQueued,
  CreateProject,
  CreateServer,
  CreateServerResult,
  CreateService,
  DeployRequest,
  PutEnvVars,
  RollbackRequest,
  ScaleRequest,
  UpdateIssue,
  UpdateProject,
  UpdateServer,
  UpdateService,
} from './requests.js';
import {
  Deployment,
  DeploymentDetail,
  EnvVar,
  Project,
  ProjectWithServices,
  Server,
  Service,
  ServiceWithDeployments,
} from './resources.js';

/*
 * The REST API as data. The OpenAPI document is a pure function of this list, and the API server
 * validates requests with the same entries, so the published document cannot drift from the code.
 */

export const API_PREFIX = '/api/v1';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type ApiTag =
  | 'servers'
  | 'projects'
  | 'services'
  | 'deployments'
  | 'env'
  | 'observability'
  | 'health'
  | 'auth'
  | 'tokens'
  | 'members'
  | 'audit'
  | 'alerts'
  | 'workflows';

export interface ApiRoute {
  method: HttpMethod;
  /** OpenAPI syntax: `/api/v1/servers/{serverId}`. */
  path: string;
  operationId: string;
  summary: string;
  tags: readonly ApiTag[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The `data` of the success envelope; null when the route answers 204 without a body. */
  response: z.ZodType | null;
  successStatus: 200 | 201 | 202 | 204;
  /** Codes this route answers beyond those every route of its kind can (see `routeErrorCodes`). */
  errors?: readonly ApiErrorCode[];
  /** Answers without authentication. */
  public?: boolean;
}

const v1 = (path: string) => `${API_PREFIX}${path}`;

export const apiRoutes = [
  // Servers
  {
    method: 'GET', path: v1('/servers'), operationId: 'listServers', summary: 'List servers',
    tags: ['servers'], query: ServerListQuery, response: z.array(Server), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/servers'), operationId: 'createServer',
    summary: 'Register a server and get the command that installs its agent',
    tags: ['servers'], body: CreateServer, response: CreateServerResult, successStatus: 201,
  },
  {
    method: 'GET', path: v1('/servers/{serverId}'), operationId: 'getServer', summary: 'Get a server',
    tags: ['servers'], params: ServerParams, response: Server, successStatus: 200,
  },
  {
    method: 'POST', path: v1('/servers/{serverId}/agent/update'), operationId: 'updateServerAgent',
    summary: "Update the server's agent to this control plane's release (it verifies the checksum and restarts)",
    tags: ['servers'], params: ServerParams, response: AgentUpdateQueued, successStatus: 202,
  },
  {
    method: 'PATCH', path: v1('/servers/{serverId}'), operationId: 'updateServer', summary: 'Rename or retag a server',
    tags: ['servers'], params: ServerParams, body: UpdateServer, response: Server, successStatus: 200,
  },
  {
    method: 'DELETE', path: v1('/servers/{serverId}'), operationId: 'deleteServer',
    summary: 'Delete a server and its services', tags: ['servers'], params: ServerParams, response: null,
    successStatus: 204,
  },
  {
    method: 'GET', path: v1('/servers/{serverId}/metrics'), operationId: 'getServerMetrics',
    summary: "Query a server's metrics", tags: ['servers'], params: ServerParams, query: ServerMetricsQuery,
    response: z.array(MetricSeries), successStatus: 200,
  },

  // Projects
  {
    method: 'GET', path: v1('/projects'), operationId: 'listProjects', summary: 'List projects',
    tags: ['projects'], query: Pagination, response: z.array(Project), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/projects'), operationId: 'createProject', summary: 'Create a project',
    tags: ['projects'], body: CreateProject, response: Project, successStatus: 201, errors: ['CONFLICT'],
  },
  {
    method: 'GET', path: v1('/projects/{projectId}'), operationId: 'getProject',
    summary: 'Get a project with its services', tags: ['projects'], params: ProjectParams,
    response: ProjectWithServices, successStatus: 200,
  },
  {
    method: 'PATCH', path: v1('/projects/{projectId}'), operationId: 'updateProject', summary: 'Update a project',
    tags: ['projects'], params: ProjectParams, body: UpdateProject, response: Project, successStatus: 200,
    errors: ['CONFLICT'],
  },
  {
    method: 'DELETE', path: v1('/projects/{projectId}'), operationId: 'deleteProject',
    summary: 'Delete a project and its services', tags: ['projects'], params: ProjectParams, response: null,
    successStatus: 204,
  },

  // Services
  {
    method: 'GET', path: v1('/projects/{projectId}/services'), operationId: 'listServices',
    summary: "List a project's services", tags: ['services'], params: ProjectParams, query: Pagination,
    response: z.array(Service), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/projects/{projectId}/services'), operationId: 'createService',
    summary: 'Create a service', tags: ['services'], params: ProjectParams, body: CreateService,
    response: Service, successStatus: 201, errors: ['CONFLICT', 'UNPROCESSABLE'],
  },
  {
    method: 'GET', path: v1('/services/{serviceId}'), operationId: 'getService',
    summary: 'Get a service with its recent deployments', tags: ['services'], params: ServiceParams,
    response: ServiceWithDeployments, successStatus: 200,
  },
  {
    method: 'PATCH', path: v1('/services/{serviceId}'), operationId: 'updateService', summary: 'Update a service',
    tags: ['services'], params: ServiceParams, body: UpdateService, response: Service, successStatus: 200,
    errors: ['CONFLICT', 'UNPROCESSABLE'],
  },
  {
    method: 'DELETE', path: v1('/services/{serviceId}'), operationId: 'deleteService',
    summary: 'Stop and delete a service', tags: ['services'], params: ServiceParams, response: null,
    successStatus: 204,
  },
  {
    method: 'POST', path: v1('/services/{serviceId}/deploy'), operationId: 'deployService',
    summary: 'Start a deployment', tags: ['services', 'deployments'], params: ServiceParams, body: DeployRequest,
    response: Deployment, successStatus: 201, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'POST', path: v1('/services/{serviceId}/rollback'), operationId: 'rollbackService',
    summary: 'Return to an earlier deployment', tags: ['services', 'deployments'], params: ServiceParams,
    body: RollbackRequest, response: Deployment, successStatus: 201, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'POST', path: v1('/services/{serviceId}/restart'), operationId: 'restartService',
    summary: "Restart a service's containers", tags: ['services'], params: ServiceParams, response: z.null(),
    successStatus: 200, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'POST', path: v1('/services/{serviceId}/scale'), operationId: 'scaleService',
    summary: "Change a service's replicas", tags: ['services'], params: ServiceParams, body: ScaleRequest,
    response: Service, successStatus: 200, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'GET', path: v1('/services/{serviceId}/logs'), operationId: 'getServiceLogs',
    summary: "Query a service's logs", tags: ['services', 'observability'], params: ServiceParams,
    query: LogQuery, response: z.array(LogEntry), successStatus: 200,
  },

  // Deployments
  {
    method: 'GET', path: v1('/services/{serviceId}/deployments'), operationId: 'listDeployments',
    summary: "List a service's deployments, newest first", tags: ['deployments'], params: ServiceParams,
    query: DeploymentListQuery, response: z.array(Deployment), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/deployments/{deploymentId}'), operationId: 'getDeployment',
    summary: 'Get a deployment with its build logs', tags: ['deployments'], params: DeploymentParams,
    response: DeploymentDetail, successStatus: 200,
  },
  {
    method: 'POST', path: v1('/deployments/{deploymentId}/cancel'), operationId: 'cancelDeployment',
    summary: 'Cancel a deployment that has not finished', tags: ['deployments'], params: DeploymentParams,
    response: Deployment, successStatus: 200, errors: ['CONFLICT'],
  },

  // Environment variables
  {
    method: 'GET', path: v1('/services/{serviceId}/env'), operationId: 'listEnvVars',
    summary: "List a service's environment variables, secret values masked", tags: ['env'], params: ServiceParams,
    query: EnvVarListQuery, response: z.array(EnvVar), successStatus: 200,
  },
  {
    method: 'PUT', path: v1('/services/{serviceId}/env'), operationId: 'putEnvVars',
    summary: "Replace a service's environment variables", tags: ['env'], params: ServiceParams, body: PutEnvVars,
    response: z.null(), successStatus: 200,
  },
  {
    method: 'DELETE', path: v1('/services/{serviceId}/env/{key}'), operationId: 'deleteEnvVar',
    summary: 'Delete one environment variable', tags: ['env'], params: EnvVarParams, response: null,
    successStatus: 204,
  },

  // Observability
  {
    method: 'GET', path: v1('/projects/{projectId}/issues'), operationId: 'listIssues',
    summary: "List a project's issues (error groups)", tags: ['observability'], params: ProjectParams,
    query: IssueListQuery, response: z.array(ErrorGroup), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/issues/{issueId}'), operationId: 'getIssue',
    summary: 'Get an issue with its AI analysis', tags: ['observability'], params: IssueParams,
    response: ErrorGroup, successStatus: 200,
  },
  {
    method: 'PATCH', path: v1('/issues/{issueId}'), operationId: 'updateIssue', summary: 'Resolve, ignore or assign an issue',
    tags: ['observability'], params: IssueParams, body: UpdateIssue, response: ErrorGroup, successStatus: 200,
    errors: ['UNPROCESSABLE'],
  },
  {
    method: 'GET', path: v1('/issues/{issueId}/events'), operationId: 'listIssueEvents',
    summary: "List an issue's occurrences", tags: ['observability'], params: IssueParams,
    query: IssueEventListQuery, response: z.array(IssueEvent), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/services/{serviceId}/traces'), operationId: 'listTraces',
    summary: "Query a service's traces", tags: ['observability'], params: ServiceParams, query: TraceQuery,
    response: z.array(TraceSummary), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/traces/{traceId}'), operationId: 'getTrace', summary: 'Get a trace with all its spans',
    tags: ['observability'], params: TraceParams, response: Trace, successStatus: 200,
  },
  {
    method: 'GET', path: v1('/services/{serviceId}/metrics'), operationId: 'getServiceMetrics',
    summary: "Query a service's metrics", tags: ['observability'], params: ServiceParams,
    query: ServiceMetricsQuery, response: z.array(MetricSeries), successStatus: 200,
  },

  // Health
  {
    method: 'GET', path: v1('/health'), operationId: 'getHealth',
    summary: 'Control plane health and each dependency (503 with the report while one is down)',
    tags: ['health'], response: HealthReport, successStatus: 200, errors: ['SERVICE_UNAVAILABLE'], public: true,
  },

  // Auth (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'POST', path: v1('/auth/login'), operationId: 'login',
    summary: 'Exchange a user token for a session cookie', tags: ['auth'], body: LoginRequest, response: AuthIdentity,
    successStatus: 200, public: true, errors: ['UNAUTHORIZED'],
  },
  {
    method: 'POST', path: v1('/auth/logout'), operationId: 'logout', summary: 'End the session',
    tags: ['auth'], response: null, successStatus: 204,
  },
  {
    method: 'GET', path: v1('/auth/me'), operationId: 'getMe', summary: 'Who the caller is, and their role',
    tags: ['auth'], response: AuthIdentity, successStatus: 200,
  },
  {
    method: 'GET', path: v1('/auth/organizations'), operationId: 'listMyOrganizations',
    summary: "The organizations the caller belongs to, with their role in each", tags: ['auth'],
    response: z.array(MyOrganization), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/auth/switch'), operationId: 'switchOrganization',
    summary: 'Move the browser session to another of your organizations (a new session cookie and CSRF token)',
    tags: ['auth'], body: SwitchOrganization, response: AuthIdentity, successStatus: 200, errors: ['NOT_FOUND', 'UNPROCESSABLE'],
  },

  // API tokens (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'GET', path: v1('/tokens'), operationId: 'listApiTokens', summary: "List the caller's API tokens",
    tags: ['tokens'], response: z.array(ApiToken), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/tokens'), operationId: 'createApiToken', summary: 'Create an API token, shown once',
    tags: ['tokens'], body: CreateApiToken, response: CreatedApiToken, successStatus: 201, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'DELETE', path: v1('/tokens/{tokenId}'), operationId: 'deleteApiToken', summary: 'Revoke an API token',
    tags: ['tokens'], params: TokenParams, response: null, successStatus: 204,
  },

  // Members (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'GET', path: v1('/members'), operationId: 'listMembers', summary: "The organization's members",
    tags: ['members'], response: z.array(Member), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/members'), operationId: 'addMember', summary: 'Add a member with a role',
    tags: ['members'], body: AddMember, response: AddedMember, successStatus: 201, errors: ['CONFLICT'],
  },
  {
    method: 'PATCH', path: v1('/members/{userId}'), operationId: 'updateMember', summary: "Change a member's role",
    tags: ['members'], params: MemberParams, body: UpdateMember, response: Member, successStatus: 200,
    errors: ['UNPROCESSABLE'],
  },
  {
    method: 'DELETE', path: v1('/members/{userId}'), operationId: 'removeMember',
    summary: 'Remove a member, revoking their tokens and sessions', tags: ['members'], params: MemberParams,
    response: null, successStatus: 204, errors: ['UNPROCESSABLE'],
  },

  // Audit log (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'GET', path: v1('/audit-logs'), operationId: 'listAuditLogs',
    summary: "The organization's audit log, newest first", tags: ['audit'], query: AuditLogQuery,
    response: z.array(AuditLogEntry), successStatus: 200,
  },

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
    method: 'GET', path: v1('/workflows/{workflowId}/runs'), operationId: 'listWorkflowRuns',
    summary: "A workflow's runs, newest first", tags: ['workflows'], params: WorkflowParams,
    query: WorkflowRunListQuery, response: z.array(WorkflowRun), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/workflow-runs/{runId}'), operationId: 'getWorkflowRun',
    summary: 'Get a workflow run with its step results', tags: ['workflows'], params: WorkflowRunParams,
    response: WorkflowRun, successStatus: 200,
  },
] as const satisfies readonly ApiRoute[];

export type ApiOperationId = (typeof apiRoutes)[number]['operationId'];

/** Every error code a route can answer, in status order: what its OpenAPI responses list. */
export function routeErrorCodes(route: ApiRoute): ApiErrorCode[] {
  const codes = new Set<ApiErrorCode>(['INTERNAL_ERROR', ...(route.errors ?? [])]);
  if (route.params || route.query || route.body) codes.add('VALIDATION_ERROR');
  if (route.params) codes.add('NOT_FOUND');
  if (!route.public) {
    codes.add('UNAUTHORIZED');
    codes.add('FORBIDDEN');
    codes.add('RATE_LIMITED');
  }
  return [...codes].sort((a, b) => apiErrorStatus[a] - apiErrorStatus[b]);
}
