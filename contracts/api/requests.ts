import { z } from 'zod';
import { Domain, EnvVarName, NonNegativeInt, Port, PositiveInt, Semver, trimmedText, Url, Uuid } from '../primitives.js';
import { CpuLimit, DeployStrategy, ImageReference, MemoryLimit } from '../websocket/deploy.js';
import { GitCredentials } from '../websocket/build.js';
import { HealthCheckConfig } from '../websocket/health-check.js';
import { ServiceType } from './resources.js';
import { ServiceSource, ServiceSourceChange } from './source.js';

/*
 * Optional fields carry no defaults here: the columns have them (contract section 3.1), so a
 * body that leaves a field out means "whatever the table says".
 */

const Name = trimmedText(255);
const Tags = z.array(trimmedText(64));

export const CreateServer = z.object({ name: Name, tags: Tags.optional() });
export type CreateServer = z.infer<typeof CreateServer>;

export const UpdateServer = CreateServer.partial();
export type UpdateServer = z.infer<typeof UpdateServer>;

export const CreateServerResult = z.object({
  server_id: Uuid,
  install_command: z.string().min(1).describe('Run on the server to install and start the agent'),
  token: z.string().min(1).describe('Agent token, shown once: only its hash is stored'),
});
export type CreateServerResult = z.infer<typeof CreateServerResult>;

/** The `update_agent` command queued for a server's agent: delivered now, or when it next connects. */
export const AgentUpdateQueued = z.object({
  request_id: z.string().min(1).describe("The command's id; its command_response answers with the same"),
  version: Semver.describe('The release the agent will run'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).describe('Checksum the agent verifies before switching'),
  download_url: z.url(),
});
export type AgentUpdateQueued = z.infer<typeof AgentUpdateQueued>;

export const CreateProject = z.object({
  name: Name,
  description: z.string().optional(),
  git_repo_url: Url.optional(),
  git_branch: z.string().min(1).max(255).optional(),
  git_credentials: GitCredentials.nullable().optional().describe("How agents read the repository; sealed, never read back; null removes it"),
  git_webhook_secret: z.string().min(16).max(255).nullable().optional().describe('The secret push webhooks are signed with; sealed, never read back'),
});
export type CreateProject = z.infer<typeof CreateProject>;

export const UpdateProject = CreateProject.partial();
export type UpdateProject = z.infer<typeof UpdateProject>;

const ServiceSettings = z.object({
  name: Name,
  server_id: Uuid,
  type: ServiceType.optional(),
  port: Port,
  replicas: PositiveInt.optional(),
  cpu_limit: CpuLimit.optional(),
  memory_limit: MemoryLimit.optional(),
  env_vars: z.record(EnvVarName, z.string()).optional(),
  domains: z
    .array(Domain)
    .max(20)
    .refine((domains) => new Set(domains).size === domains.length, 'each domain may appear only once')
    .optional()
    .describe('Each routed by the server\'s HTTPS proxy; a domain belongs to one service only (409 otherwise)'),
  health_check: HealthCheckConfig.optional(),
  auto_deploy: z.boolean().optional(),
});

export const CreateService = z.intersection(ServiceSettings, ServiceSource);
export type CreateService = z.infer<typeof CreateService>;

/*
 * Partial<Service> of the contract, less what has its own endpoint or cannot change in place:
 * env vars (PUT /env), replicas (POST /scale), the server (a move is a new service).
 */
export const UpdateService = z.intersection(
  ServiceSettings.omit({ server_id: true, env_vars: true, replicas: true })
    .extend({ health_check: HealthCheckConfig.nullable().describe('null turns health checking off') })
    .partial(),
  ServiceSourceChange,
);
export type UpdateService = z.infer<typeof UpdateService>;

export const DeployRequest = z.object({
  git_ref: z.string().min(1).optional().describe('Commit SHA or branch'),
  image_tag: ImageReference.shape.tag.optional().describe('For services whose source_type is image'),
  // Beyond the contract: the agent's deploy command has these, and the service has no columns for them.
  strategy: DeployStrategy.optional().describe('Defaults to "rolling"'),
  rollback_on_failure: z.boolean().optional().describe('Return to the last running deployment if this one fails; defaults to false'),
  timeout_seconds: PositiveInt.max(3600).optional().describe('For the agent to finish the rollout; defaults to 300'),
});
export type DeployRequest = z.infer<typeof DeployRequest>;

export const RollbackRequest = z.object({
  deployment_id: Uuid.describe('The earlier deployment to return to'),
});
export type RollbackRequest = z.infer<typeof RollbackRequest>;

export const ScaleRequest = z.object({ replicas: NonNegativeInt });
export type ScaleRequest = z.infer<typeof ScaleRequest>;

/** `PUT /services/:serviceId/env` replaces the whole set, so a key may appear only once. */
export const PutEnvVars = z
  .object({
    variables: z.array(
      z.object({
        key: EnvVarName,
        value: z.string(),
        is_secret: z.boolean().optional().describe('Defaults to false'),
      }),
    ),
  })
  .superRefine(({ variables }, ctx) => {
    const seen = new Set<string>();
    variables.forEach(({ key }, index) => {
      if (seen.has(key)) {
        ctx.addIssue({ code: 'custom', message: `duplicate key ${key}`, path: ['variables', index, 'key'] });
      }
      seen.add(key);
    });
  });
export type PutEnvVars = z.infer<typeof PutEnvVars>;

export const UpdateIssue = z.object({
  status: z.enum(['unresolved', 'resolved', 'ignored']).optional().describe('regressed is set only by ingest'),
  assigned_to: Uuid.nullable().optional().describe('A user id; null unassigns'),
});
export type UpdateIssue = z.infer<typeof UpdateIssue>;
