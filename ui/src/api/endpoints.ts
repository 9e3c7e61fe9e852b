import type { AuthIdentity, MyOrganization } from '../../../contracts/api/access.js';
import type { ExecRequest, ExecResult } from '../../../contracts/api/exec.js';
import type {
  CreateProject,
  CreateServer,
  CreateServerResult,
  CreateService,
  DeployRequest,
  PutEnvVars,
  UpdateService,
} from '../../../contracts/api/requests.js';
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
import { apiCall } from './client.js';

/* The API calls the UI makes, one per operation of contracts/api/routes.ts, typed from the contract. */

const id = encodeURIComponent;

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
};

export const projects = {
  list: () => apiCall<Project[]>('GET', '/projects'),
  get: (projectId: string) => apiCall<ProjectWithServices>('GET', `/projects/${id(projectId)}`),
  create: (body: CreateProject) => apiCall<Project>('POST', '/projects', { body }),
};

export const services = {
  get: (serviceId: string) => apiCall<ServiceWithDeployments>('GET', `/services/${id(serviceId)}`),
  create: (projectId: string, body: CreateService) => apiCall<Service>('POST', `/projects/${id(projectId)}/services`, { body }),
  update: (serviceId: string, body: UpdateService) => apiCall<Service>('PATCH', `/services/${id(serviceId)}`, { body }),
  deploy: (serviceId: string, body: DeployRequest) => apiCall<Deployment>('POST', `/services/${id(serviceId)}/deploy`, { body }),
  rollback: (serviceId: string, deploymentId: string) =>
    apiCall<Deployment>('POST', `/services/${id(serviceId)}/rollback`, { body: { deployment_id: deploymentId } }),
  restart: (serviceId: string) => apiCall<null>('POST', `/services/${id(serviceId)}/restart`),
  exec: (serviceId: string, body: ExecRequest) => apiCall<ExecResult>('POST', `/services/${id(serviceId)}/exec`, { body }),
  scale: (serviceId: string, replicas: number) => apiCall<Service>('POST', `/services/${id(serviceId)}/scale`, { body: { replicas } }),
  deployments: (serviceId: string, limit: number) =>
    apiCall<Deployment[]>('GET', `/services/${id(serviceId)}/deployments`, { query: { limit } }),
  logs: (serviceId: string, query: { search?: string; limit: number }) =>
    apiCall<LogEntry[]>('GET', `/services/${id(serviceId)}/logs`, { query }),
  envVars: (serviceId: string, reveal: boolean) =>
    apiCall<EnvVar[]>('GET', `/services/${id(serviceId)}/env`, { query: { reveal: reveal ? 'true' : undefined } }),
  putEnvVars: (serviceId: string, body: PutEnvVars) => apiCall<null>('PUT', `/services/${id(serviceId)}/env`, { body }),
};

export const deployments = {
  get: (deploymentId: string) => apiCall<DeploymentDetail>('GET', `/deployments/${id(deploymentId)}`),
  cancel: (deploymentId: string) => apiCall<Deployment>('POST', `/deployments/${id(deploymentId)}/cancel`),
};
