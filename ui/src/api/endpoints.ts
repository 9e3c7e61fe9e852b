import type {
  AddedMember,
  AddMember,
  ApiToken,
  AuditLogEntry,
  AuditLogQuery,
  AuthIdentity,
  CreateApiToken,
  CreatedApiToken,
  Member,
  MemberRole,
  MyOrganization,
} from '../../../contracts/api/access.js';
import type {
  AlertIncident,
  AlertRule,
  AlertTestResult,
  CreateAlertRule,
  CreateWorkflow,
  IncidentStatus,
  UpdateAlertRule,
  UpdateWorkflow,
  Workflow,
  WorkflowRun,
  WorkflowRunStatus,
  WorkflowVersion,
} from '../../../contracts/api/automation.js';
import type {
  AiAnalysis,
  AiRecommendation,
  AiSettings,
  ChatHistoryEntry,
  ChatRequest,
  GeneratedDockerfile,
  GenerateDockerfileRequest,
  UpdateAiSettings,
} from '../../../contracts/api/ai.js';
import type { ServiceAddresses } from '../../../contracts/api/domains.js';
import type { ExecRequest, ExecResult } from '../../../contracts/api/exec.js';
import type { ServiceOperationRecord } from '../../../contracts/api/service-operations.js';
import type {
  ErrorGroup,
  IssueActivity,
  IssueEvent,
  MetricSeries,
  ServiceRequestStats,
  Trace,
  TraceSummary,
} from '../../../contracts/api/observability.js';
import { MAX_ACTIVITY_ISSUES, type IssueSort, type LogQuery, type ServerMetricsQuery } from '../../../contracts/api/queries.js';
import type {
  CreateProject,
  UpdateProject,
  CreateServer,
  CreateServerResult,
  CreateService,
  DeployRequest,
  PutEnvVars,
  UpdateService,
} from '../../../contracts/api/requests.js';
import type { TriggerType } from '../../../contracts/api/resources.js';
import type {
  Deployment,
  DeploymentDetail,
  EnvVar,
  Project,
  ProjectWithServices,
  Server,
  Service,
  ServiceWithDeployments,
} from '../../../contracts/api/resources.js';
import type { LogEntry } from '../../../contracts/telemetry/records.js';
import { apiCall, apiEnvelope } from './client.js';

/* The API calls the UI makes, one per operation of contracts/api/routes.ts, typed from the contract. */

const id = encodeURIComponent;

type Optional<Query> = { [Name in keyof Query]?: Query[Name] | undefined };
export type LogSearch = Optional<Pick<LogQuery, 'from' | 'to' | 'level' | 'search' | 'trace_id'>> & { limit: number };
export type TraceSearch = { status?: 'ok' | 'error' | undefined; min_duration_ms?: number | undefined; limit: number };
export type MetricWindow = { from: string; to: string; interval: ServerMetricsQuery['interval'] };
export type IssueSearch = { status: ErrorGroup['status']; search?: string | undefined; sort: IssueSort; page?: number; per_page: number };

export const auth = {
  login: (token: string) => apiCall<AuthIdentity>('POST', '/auth/login', { body: { token } }),
  me: () => apiCall<AuthIdentity>('GET', '/auth/me'),
  logout: () => apiCall<null>('POST', '/auth/logout'),
  organizations: () => apiCall<MyOrganization[]>('GET', '/auth/organizations'),
  switchOrganization: (orgId: string) => apiCall<AuthIdentity>('POST', '/auth/switch', { body: { org_id: orgId } }),
};

export const servers = {
  list: () => apiCall<Server[]>('GET', '/servers'),
  get: (serverId: string) => apiCall<Server>('GET', `/servers/${id(serverId)}`),
  create: (body: CreateServer) => apiCall<CreateServerResult>('POST', '/servers', { body }),
  remove: (serverId: string) => apiCall<null>('DELETE', `/servers/${id(serverId)}`),
  metrics: (serverId: string, query: MetricWindow) => apiCall<MetricSeries[]>('GET', `/servers/${id(serverId)}/metrics`, { query }),
};

export const projects = {
  list: () => apiCall<Project[]>('GET', '/projects'),
  get: (projectId: string) => apiCall<ProjectWithServices>('GET', `/projects/${id(projectId)}`),
  create: (body: CreateProject) => apiCall<Project>('POST', '/projects', { body }),
  update: (projectId: string, body: UpdateProject) => apiCall<Project>('PATCH', `/projects/${id(projectId)}`, { body }),
  remove: (projectId: string) => apiCall<null>('DELETE', `/projects/${id(projectId)}`),
};

export const services = {
  get: (serviceId: string) => apiCall<ServiceWithDeployments>('GET', `/services/${id(serviceId)}`),
  create: (projectId: string, body: CreateService) => apiCall<Service>('POST', `/projects/${id(projectId)}/services`, { body }),
  update: (serviceId: string, body: UpdateService) => apiCall<Service>('PATCH', `/services/${id(serviceId)}`, { body }),
  remove: (serviceId: string) => apiCall<null>('DELETE', `/services/${id(serviceId)}`),
  addresses: (serviceId: string) => apiCall<ServiceAddresses>('GET', `/services/${id(serviceId)}/domains`),
  deploy: (serviceId: string, body: DeployRequest) => apiCall<Deployment>('POST', `/services/${id(serviceId)}/deploy`, { body }),
  rollback: (serviceId: string, deploymentId: string) =>
    apiCall<Deployment>('POST', `/services/${id(serviceId)}/rollback`, { body: { deployment_id: deploymentId } }),
  restart: (serviceId: string) => apiCall<null>('POST', `/services/${id(serviceId)}/restart`),
  exec: (serviceId: string, body: ExecRequest) => apiCall<ExecResult>('POST', `/services/${id(serviceId)}/exec`, { body }),
  scale: (serviceId: string, replicas: number) => apiCall<Service>('POST', `/services/${id(serviceId)}/scale`, { body: { replicas } }),
  operations: (serviceId: string) => apiCall<ServiceOperationRecord[]>('GET', `/services/${id(serviceId)}/operations`),
  deployments: (serviceId: string, limit: number) =>
    apiCall<Deployment[]>('GET', `/services/${id(serviceId)}/deployments`, { query: { limit } }),
  logs: (serviceId: string, query: LogSearch) => apiCall<LogEntry[]>('GET', `/services/${id(serviceId)}/logs`, { query }),
  traces: (serviceId: string, query: TraceSearch) => apiCall<TraceSummary[]>('GET', `/services/${id(serviceId)}/traces`, { query }),
  metrics: (serviceId: string, query: MetricWindow) => apiCall<MetricSeries[]>('GET', `/services/${id(serviceId)}/metrics`, { query }),
  requestStats: (serviceId: string, query: MetricWindow) =>
    apiCall<ServiceRequestStats>('GET', `/services/${id(serviceId)}/request-stats`, { query }),
  envVars: (serviceId: string, reveal: boolean) =>
    apiCall<EnvVar[]>('GET', `/services/${id(serviceId)}/env`, { query: { reveal: reveal ? 'true' : undefined } }),
  putEnvVars: (serviceId: string, body: PutEnvVars) => apiCall<null>('PUT', `/services/${id(serviceId)}/env`, { body }),
};

export const deployments = {
  get: (deploymentId: string) => apiCall<DeploymentDetail>('GET', `/deployments/${id(deploymentId)}`),
  cancel: (deploymentId: string) => apiCall<Deployment>('POST', `/deployments/${id(deploymentId)}/cancel`),
};

export const issues = {
  list: (projectId: string, query: IssueSearch) => apiCall<ErrorGroup[]>('GET', `/projects/${id(projectId)}/issues`, { query }),
  /** How many of a service's issues are open (unresolved or regressed): the lists' totals, one issue read each. */
  openCount: async (projectId: string, serviceId: string) => {
    const totals = await Promise.all(
      (['unresolved', 'regressed'] as const).map(async (status) => {
        const page = await apiEnvelope<ErrorGroup[]>('GET', `/projects/${id(projectId)}/issues`, { query: { status, service_id: serviceId, per_page: 1 } });
        return Number(page.meta?.total ?? 0);
      }),
    );
    return totals.reduce((sum, total) => sum + total, 0);
  },
  /** Asked in batches of the most ids one request takes. */
  activity: async (projectId: string, issueIds: readonly string[], hours: number) => {
    const batches: string[][] = [];
    for (let start = 0; start < issueIds.length; start += MAX_ACTIVITY_ISSUES) batches.push(issueIds.slice(start, start + MAX_ACTIVITY_ISSUES));
    const answers = await Promise.all(
      batches.map((batch) => apiCall<IssueActivity[]>('GET', `/projects/${id(projectId)}/issues/activity`, { query: { issue_ids: batch.join(','), hours } })),
    );
    return answers.flat();
  },
  get: (issueId: string) => apiCall<ErrorGroup>('GET', `/issues/${id(issueId)}`),
  setStatus: (issueId: string, status: 'unresolved' | 'resolved' | 'ignored') =>
    apiCall<ErrorGroup>('PATCH', `/issues/${id(issueId)}`, { body: { status } }),
  events: (issueId: string, limit: number) => apiCall<IssueEvent[]>('GET', `/issues/${id(issueId)}/events`, { query: { limit } }),
};

export const traces = {
  get: (traceId: string) => apiCall<Trace>('GET', `/traces/${id(traceId)}`),
};

export const alerts = {
  list: () => apiCall<AlertRule[]>('GET', '/alerts', { query: { per_page: 100 } }),
  create: (body: CreateAlertRule) => apiCall<AlertRule>('POST', '/alerts', { body }),
  update: (alertId: string, body: UpdateAlertRule) => apiCall<AlertRule>('PATCH', `/alerts/${id(alertId)}`, { body }),
  remove: (alertId: string) => apiCall<null>('DELETE', `/alerts/${id(alertId)}`),
  test: (alertId: string) => apiCall<AlertTestResult>('POST', `/alerts/${id(alertId)}/test`),
  incidents: (status?: IncidentStatus) => apiCall<AlertIncident[]>('GET', '/incidents', { query: { status, per_page: 100 } }),
  acknowledge: (incidentId: string) => apiCall<AlertIncident>('POST', `/incidents/${id(incidentId)}/acknowledge`),
};

export const members = {
  list: () => apiCall<Member[]>('GET', '/members'),
  add: (body: AddMember) => apiCall<AddedMember>('POST', '/members', { body }),
  setRole: (userId: string, role: MemberRole) => apiCall<Member>('PATCH', `/members/${id(userId)}`, { body: { role } }),
  remove: (userId: string) => apiCall<null>('DELETE', `/members/${id(userId)}`),
};

export const tokens = {
  list: () => apiCall<ApiToken[]>('GET', '/tokens'),
  create: (body: CreateApiToken) => apiCall<CreatedApiToken>('POST', '/tokens', { body }),
  revoke: (tokenId: string) => apiCall<null>('DELETE', `/tokens/${id(tokenId)}`),
};

export const auditLogs = {
  list: (query: Optional<Pick<AuditLogQuery, 'action' | 'resource_type' | 'user_id'>> & { per_page: number }) =>
    apiCall<AuditLogEntry[]>('GET', '/audit-logs', { query }),
};

export type RunFilter = { status?: WorkflowRunStatus | undefined; trigger_type?: TriggerType | undefined; per_page: number };

export const workflows = {
  list: (projectId: string) => apiCall<Workflow[]>('GET', `/projects/${id(projectId)}/workflows`, { query: { per_page: 100 } }),
  get: (workflowId: string) => apiCall<Workflow>('GET', `/workflows/${id(workflowId)}`),
  create: (projectId: string, body: CreateWorkflow) => apiCall<Workflow>('POST', `/projects/${id(projectId)}/workflows`, { body }),
  update: (workflowId: string, body: UpdateWorkflow) => apiCall<Workflow>('PATCH', `/workflows/${id(workflowId)}`, { body }),
  versions: (workflowId: string) => apiCall<WorkflowVersion[]>('GET', `/workflows/${id(workflowId)}/versions`, { query: { per_page: 100 } }),
  runs: (workflowId: string, query: RunFilter) => apiCall<WorkflowRun[]>('GET', `/workflows/${id(workflowId)}/runs`, { query }),
  start: (workflowId: string) => apiCall<WorkflowRun>('POST', `/workflows/${id(workflowId)}/runs`, { body: {} }),
  pause: (workflowId: string) => apiCall<Workflow>('POST', `/workflows/${id(workflowId)}/schedule/pause`),
  resume: (workflowId: string) => apiCall<Workflow>('POST', `/workflows/${id(workflowId)}/schedule/resume`),
};

export const workflowRuns = {
  get: (runId: string) => apiCall<WorkflowRun>('GET', `/workflow-runs/${id(runId)}`),
  cancel: (runId: string) => apiCall<WorkflowRun>('POST', `/workflow-runs/${id(runId)}/cancel`),
  decide: (runId: string, nodeId: string, decision: 'approve' | 'reject') =>
    apiCall<WorkflowRun>('POST', `/workflow-runs/${id(runId)}/nodes/${id(nodeId)}/${decision}`, { body: {} }),
};

/* The chat streams Server-Sent Events and is read by ./chat-stream.ts, not here. */
export const ai = {
  settings: () => apiCall<AiSettings>('GET', '/ai/settings'),
  updateSettings: (body: UpdateAiSettings) => apiCall<AiSettings>('PATCH', '/ai/settings', { body }),
  analyze: (issueId: string, forceRefresh: boolean) =>
    apiCall<AiAnalysis>('POST', '/ai/analyze-error', { body: { issue_id: issueId, force_refresh: forceRefresh } }),
  generateDockerfile: (body: GenerateDockerfileRequest) => apiCall<GeneratedDockerfile>('POST', '/ai/generate-dockerfile', { body }),
  recommendations: (serviceId: string) => apiCall<AiRecommendation[]>('GET', `/ai/recommendations/${id(serviceId)}`),
  chatHistory: (context: ChatRequest['context']) => apiCall<ChatHistoryEntry[]>('GET', '/ai/chat/history', { query: context }),
};
