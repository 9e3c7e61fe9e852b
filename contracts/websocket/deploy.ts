import { z } from 'zod';
import {
  AbsolutePath,
  EnvVarName,
  ErrorCode,
  Hostname,
  IsoDateTime,
  Percent,
  Port,
  PositiveInt,
  RequestId,
  StringMap,
  Uuid,
} from '../primitives.js';
import { HealthCheckConfig } from './health-check.js';

export const ImageReference = z.object({
  registry: z.string().min(1).describe('e.g. "registry.syntra.dev"'),
  repository: z.string().min(1).describe('e.g. "org-slug/project-slug/service-name"'),
  tag: z.string().regex(/^[\w][\w.-]{0,127}$/).describe('Commit SHA or "latest"'),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/).optional().describe('Pins the image for verification'),
});
export type ImageReference = z.infer<typeof ImageReference>;

export const RegistryAuth = z.object({
  username: z.string().min(1),
  password: z.string().min(1).describe('Short-lived token'),
});
export type RegistryAuth = z.infer<typeof RegistryAuth>;

/** CPUs, as `docker run --cpus` takes them: "0.5", "1", "2". */
export const CpuLimit = z.string().regex(/^\d+(\.\d+)?$/);

/** Bytes with an optional unit, as `docker run --memory` takes them: "256m", "1g". */
export const MemoryLimit = z.string().regex(/^\d+[bkmgBKMG]?$/);

export const VolumeMount = z.object({
  name: z.string().min(1),
  host_path: AbsolutePath.optional().describe('Absent: a named Docker volume'),
  container_path: AbsolutePath,
  read_only: z.boolean(),
});
export type VolumeMount = z.infer<typeof VolumeMount>;

export const DeployStrategy = z.enum(['rolling', 'instant', 'blue_green']);
export type DeployStrategy = z.infer<typeof DeployStrategy>;

export const DeployPayload = z.object({
  request_id: RequestId,
  deployment_id: Uuid,
  service_id: Uuid,
  service_name: z.string().min(1),
  project_name: z.string().min(1),
  image: ImageReference,
  // Nullable, unlike the contract: images from public registries need no credentials.
  registry_auth: RegistryAuth.nullable(),
  config: z.object({
    port: Port,
    replicas: PositiveInt,
    cpu_limit: CpuLimit.optional(),
    memory_limit: MemoryLimit.optional(),
    env_vars: z.record(EnvVarName, z.string()).describe('Already decrypted'),
    labels: StringMap,
    volumes: z.array(VolumeMount).optional(),
    health_check: HealthCheckConfig.optional(),
  }),
  networking: z.object({
    domains: z.array(Hostname),
    internal_hostname: Hostname.describe('e.g. "service-name.project.internal"'),
    expose_port: z.boolean(),
    acme: z
      .object({ directory_url: z.string(), email: z.string().nullable() })
      .optional()
      .describe("The organization's ACME directory and account email (not in the contract); the agent's own setting when absent"),
  }),
  strategy: DeployStrategy,
  rollback_on_failure: z.boolean(),
  timeout_seconds: PositiveInt,
});
export type DeployPayload = z.infer<typeof DeployPayload>;

/**
 * A deploy command queued while its agent was offline, handed over in `hello_ack`. The contract
 * leaves it undefined; it is the `deploy` payload itself so the agent runs it like any deploy.
 */
export const PendingDeployment = DeployPayload;
export type PendingDeployment = z.infer<typeof PendingDeployment>;

/** The agent's view of a rollout; the REST `DeploymentStatus` is the control plane's, wider one. */
export const AgentDeploymentStatus = z.enum([
  'pending',
  'pulling',
  'creating',
  'starting',
  'health_checking',
  'running',
  'failed',
  'rolled_back',
]);
export type AgentDeploymentStatus = z.infer<typeof AgentDeploymentStatus>;

export const DeploymentPhase = z.enum([
  'pull_image',
  'stop_old',
  'create_container',
  'start_container',
  'configure_network',
  'health_check',
  'cleanup',
]);
export type DeploymentPhase = z.infer<typeof DeploymentPhase>;

export const DeployStatusPayload = z.object({
  deployment_id: Uuid,
  service_id: Uuid,
  status: AgentDeploymentStatus,
  phase: DeploymentPhase,
  progress_percent: Percent,
  message: z.string(),
  started_at: IsoDateTime,
  finished_at: IsoDateTime.optional(),
  logs: z.array(z.string()).optional().describe('Recent log lines'),
  container_id: z.string().min(1).optional().describe('Set once the container exists'),
  endpoint: z.string().regex(/^[\w.:[\]-]+:\d+$/).optional().describe("The agent's stable host:port for the service (beyond the contract)"),
  error: z
    .object({
      code: ErrorCode,
      message: z.string(),
      stack: z.string().optional(),
    })
    .optional(),
});
export type DeployStatusPayload = z.infer<typeof DeployStatusPayload>;
