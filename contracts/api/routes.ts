import { z } from 'zod';
import { LogEntry } from '../telemetry/records.js';
import { ExecRequest, ExecResult } from './exec.js';
import { AcmeSettings, ServiceAddresses, UpdateAcmeSettings } from './domains.js';
import { HealthReport } from './health.js';
import { ErrorGroup, IssueActivity, IssueEvent, MetricSeries, ServiceRequestStats, Trace, TraceSummary } from './observability.js';
import {
  DeploymentListQuery,
  DeploymentParams,
  EnvVarListQuery,
  EnvVarParams,
  IssueActivityQuery,
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
  ServiceRequestStatsQuery,
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
import { accessRoutes } from './routes-access.js';
import { ServiceOperationListQuery, ServiceOperationRecord } from './service-operations.js';
import { aiRoutes } from './routes-ai.js';
import { webhookRoutes } from './webhooks.js';
import { automationRoutes } from './routes-automation.js';
import { v1, type ApiRoute } from './route.js';

export * from './route.js';

/** Contract section 2.3, and the health check. */
const contractRoutes = [
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
    method: 'GET', path: v1('/acme/settings'), operationId: 'getAcmeSettings',
    summary: "Where the organization's servers order certificates: the ACME directory and account email", tags: ['servers'],
    response: AcmeSettings, successStatus: 200,
  },
  {
    method: 'PATCH', path: v1('/acme/settings'), operationId: 'updateAcmeSettings',
    summary: 'Change the ACME directory and account email; servers use them from their next deploy', tags: ['servers'],
    body: UpdateAcmeSettings, response: AcmeSettings, successStatus: 200,
  },
  {
    method: 'GET', path: v1('/services/{serviceId}/domains'), operationId: 'getServiceAddresses',
    summary: "Where a service answers: its domains with their certificates, and its endpoint on the server", tags: ['services'],
    params: ServiceParams, response: ServiceAddresses, successStatus: 200,
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
    method: 'GET', path: v1('/services/{serviceId}/operations'), operationId: 'listServiceOperations',
    summary: "A service's operations with their Temporal workflows, newest first", tags: ['services'],
    params: ServiceParams, query: ServiceOperationListQuery, response: z.array(ServiceOperationRecord), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/services/{serviceId}/exec'), operationId: 'execInService',
    summary: "Run a command in a running replica of a service and get its exit code and output",
    tags: ['services'], params: ServiceParams, body: ExecRequest, response: ExecResult, successStatus: 200,
    errors: ['UNPROCESSABLE', 'SERVICE_UNAVAILABLE'],
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

  // Beyond the contract: what the operator's pages chart (docs/contract-corrections.md)
  {
    method: 'GET', path: v1('/projects/{projectId}/issues/activity'), operationId: 'listIssueActivity',
    summary: "Events per hour of some of a project's issues, for their sparklines", tags: ['observability'],
    params: ProjectParams, query: IssueActivityQuery, response: z.array(IssueActivity), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/services/{serviceId}/request-stats'), operationId: 'getServiceRequestStats',
    summary: "A service's request rate, error rate and latency percentiles, from its root spans", tags: ['observability'],
    params: ServiceParams, query: ServiceRequestStatsQuery, response: ServiceRequestStats, successStatus: 200,
  },

  // Health
  {
    method: 'GET', path: v1('/health'), operationId: 'getHealth',
    summary: 'Control plane health and each dependency (503 with the report while one is down)',
    tags: ['health'], response: HealthReport, successStatus: 200, errors: ['SERVICE_UNAVAILABLE'], public: true,
  },
] as const satisfies readonly ApiRoute[];

/** The whole REST API: the registry the server registers and the OpenAPI document describes. */
export const apiRoutes = [...contractRoutes, ...aiRoutes, ...accessRoutes, ...automationRoutes, ...webhookRoutes] as const satisfies readonly ApiRoute[];

export type ApiOperationId = (typeof apiRoutes)[number]['operationId'];
