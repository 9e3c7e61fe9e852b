import { z } from 'zod';
import { EnvVarName, ErrorCode, Hostname, IpAddress, IsoDateTime, NonNegativeInt, Percent, Port, Uuid } from '../primitives.js';
import { AgentDeploymentStatus, CpuLimit, DeployPayload, DeploymentPhase, MemoryLimit } from '../websocket/deploy.js';
import { BuildPayload } from '../websocket/build.js';
import { AlertPayload } from '../websocket/alert.js';
import { HealthCheckConfig } from '../websocket/health-check.js';
import { AgentRuntime, CpuArch, HeartbeatPayload } from '../websocket/session.js';
import { ServiceSourceView } from './source.js';

/*
 * Resources mirror the PostgreSQL tables of contract section 3.1, column for column, minus
 * secrets (agent_token_hash, env_vars_encrypted) and integration internals (git_installation_id).
 */

const timestamps = { created_at: IsoDateTime, updated_at: IsoDateTime };

export const ServerStatus = z.enum(['online', 'offline', 'updating', 'error']);
export type ServerStatus = z.infer<typeof ServerStatus>;

/** Something the server's agent reports as standing wrong until its next start, e.g. telemetry containers cannot reach. */
export const ServerProblem = z.object({
  resource: z.string().min(1).describe('What is at fault, e.g. "telemetry_receiver"'),
  severity: AlertPayload.shape.severity,
  title: z.string().min(1),
  message: z.string(),
  since: IsoDateTime,
});
export type ServerProblem = z.infer<typeof ServerProblem>;

export const Server = z.object({
  id: Uuid,
  org_id: Uuid,
  name: z.string().min(1),
  hostname: z.string().nullable(),
  public_ip: IpAddress.nullable(),
  private_ip: IpAddress.nullable(),
  runtime: AgentRuntime,
  runtime_version: z.string().nullable(),
  status: ServerStatus,
  agent_version: z.string().nullable(),
  os_name: z.string().nullable(),
  os_version: z.string().nullable(),
  arch: CpuArch.nullable(),
  cpu_cores: NonNegativeInt.nullable(),
  memory_mb: NonNegativeInt.nullable(),
  disk_gb: NonNegativeInt.nullable(),
  last_heartbeat_at: IsoDateTime.nullable(),
  // Beyond the contract: what the last heartbeat measured, so a list shows load, not only capacity.
  usage: HeartbeatPayload.shape.resources.nullable().describe('From the last heartbeat; null before the first'),
  containers: HeartbeatPayload.shape.containers.nullable().describe('From the last heartbeat; null before the first'),
  problems: z.array(ServerProblem).describe("Standing problems its agent reported since it last connected; empty when all is well"),
  tags: z.array(z.string()).describe(`"build" marks a build server: it builds the organization's services from source`),
  ...timestamps,
});
export type Server = z.infer<typeof Server>;

export const Project = z.object({
  id: Uuid,
  org_id: Uuid,
  name: z.string().min(1),
  slug: z.string().min(1),
  description: z.string().nullable(),
  git_repo_url: z.string().nullable(),
  git_branch: z.string().nullable(),
  git_provider: z.string().nullable().describe('github, gitlab, bitbucket'),
  git_credentials_set: z.boolean().describe('Whether agents have a credential for the repository; the credential is write-only'),
  git_webhook_secret_set: z.boolean(),
  ...timestamps,
});
export type Project = z.infer<typeof Project>;

export const ServiceType = z.enum(['app', 'database', 'worker', 'cron']);
export type ServiceType = z.infer<typeof ServiceType>;

export const DeploymentStatus = z.enum([
  'queued',
  'building',
  'pushing',
  'deploying',
  'running',
  'failed',
  'rolled_back',
  'cancelled',
]);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const TriggerType = z.enum(['manual', 'git_push', 'workflow', 'rollback', 'api', 'schedule']);
export type TriggerType = z.infer<typeof TriggerType>;

export const Deployment = z.object({
  id: Uuid,
  service_id: Uuid,
  status: DeploymentStatus,
  git_commit_sha: z.string().regex(/^[0-9a-f]{40}$/).nullable(),
  git_commit_message: z.string().nullable(),
  git_branch: z.string().nullable(),
  image_digest: z.string().nullable(),
  build_duration_ms: NonNegativeInt.nullable(),
  deploy_duration_ms: NonNegativeInt.nullable(),
  triggered_by: Uuid.nullable().describe('The user; null for git pushes, schedules and workflows'),
  trigger_type: TriggerType,
  error_message: z.string().nullable(),
  rollback_from_id: Uuid.nullable(),
  created_at: IsoDateTime,
  started_at: IsoDateTime.nullable(),
  finished_at: IsoDateTime.nullable(),
});
export type Deployment = z.infer<typeof Deployment>;

/**
 * What a deployment deployed, kept with it so a rollback redeploys exactly that: the agent's
 * `deploy` payload less what belongs to one attempt (ids) or is secret (env values, registry
 * password), which are read from the service when the command is sent.
 */
export const DeploymentSpec = DeployPayload.pick({
  service_name: true,
  project_name: true,
  image: true,
  networking: true,
  strategy: true,
  rollback_on_failure: true,
  timeout_seconds: true,
}).extend({ config: DeployPayload.shape.config.omit({ env_vars: true }) });
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;

/** One progress report of the agent, or one status change made by the control plane. */
export const DeploymentEvent = z.object({
  id: Uuid,
  source: z.enum(['agent', 'control_plane']),
  status: z.union([DeploymentStatus, AgentDeploymentStatus]).describe("The agent's rollout status, or the deployment's own"),
  phase: DeploymentPhase.nullable(),
  progress_percent: Percent.nullable(),
  message: z.string(),
  logs: z.array(z.string()),
  container_id: z.string().nullable(),
  error_code: ErrorCode.nullable(),
  at: IsoDateTime,
});
export type DeploymentEvent = z.infer<typeof DeploymentEvent>;

/** A Temporal workflow the control plane started, with a link into Temporal Web when it knows its address. */
export const TemporalWorkflowRef = z.object({
  id: z.string().min(1),
  namespace: z.string().min(1),
  web_url: z.url().nullable().describe('The run in Temporal Web'),
});
export type TemporalWorkflowRef = z.infer<typeof TemporalWorkflowRef>;

/**
 * `GET /deployments/:deploymentId`: the deployment with its build logs, what it deployed, its
 * progress reports, and the Temporal workflow that runs it (with a link into Temporal Web when
 * the control plane knows its address).
 */
/**
 * What a deployment built from source builds (beyond the contract): the repository and commit,
 * the Dockerfile (generated for a nixpacks source, so people see what was built) and the build
 * args. Secrets are never part of it.
 */
export const BuildSpec = z.object({
  git: BuildPayload.shape.git,
  dockerfile: BuildPayload.shape.dockerfile,
  build_args: BuildPayload.shape.build_args,
  source_type: z.enum(['dockerfile', 'nixpacks']),
  detected: z.string().optional().describe('For nixpacks: the stack the detector recognised'),
});
export type BuildSpec = z.infer<typeof BuildSpec>;

export const DeploymentDetail = Deployment.extend({
  build_logs: z.string().nullable().describe('The whole build log, one line per line'),
  spec: DeploymentSpec.nullable().describe('Null only for deployments recorded before specs were kept'),
  build: BuildSpec.nullable().describe('Null for deployments of an image'),
  build_server: z
    .object({ id: Uuid, name: z.string() })
    .nullable()
    .describe("The server that built it: the service's own, or a build server (tagged `build`); null for deployments of an image"),
  events: z.array(DeploymentEvent).describe('Oldest first'),
  workflow: TemporalWorkflowRef.nullable(),
});
export type DeploymentDetail = z.infer<typeof DeploymentDetail>;

const ServiceFields = z.object({
  id: Uuid,
  project_id: Uuid,
  server_id: Uuid,
  name: z.string().min(1),
  type: ServiceType,
  port: Port.nullable(),
  replicas: NonNegativeInt,
  cpu_limit: CpuLimit.nullable(),
  memory_limit: MemoryLimit.nullable(),
  domains: z.array(Hostname),
  health_check: HealthCheckConfig.nullable(),
  auto_deploy: z.boolean(),
  current_deployment_id: Uuid.nullable(),
  ...timestamps,
});

/** The table's dockerfile_path, build_context, image_name and image_tag read back as `source_config`. */
export const Service = z.intersection(ServiceFields, ServiceSourceView);
export type Service = z.infer<typeof Service>;

/** `GET /services/:serviceId`: the service with its recent deployments, newest first. */
export const ServiceWithDeployments = z.intersection(Service, z.object({ recent_deployments: z.array(Deployment) }));
export type ServiceWithDeployments = z.infer<typeof ServiceWithDeployments>;

/** `GET /projects/:projectId`: the project with its services. */
export const ProjectWithServices = Project.extend({ services: z.array(Service) });
export type ProjectWithServices = z.infer<typeof ProjectWithServices>;

export const EnvVar = z.object({
  key: EnvVarName,
  value: z.string().describe('A secret\'s value reads "********" unless revealed'),
  is_secret: z.boolean(),
});
export type EnvVar = z.infer<typeof EnvVar>;
