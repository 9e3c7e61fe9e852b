import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { AgentCommandStatus, DeploymentStatus, Defaulted, Json, ServerRuntime, ServerStatus, ServiceType, SourceType, Timestamp, TriggerType } from '../column-types.js';

/* What runs where: servers, projects, services and their sealed secrets' key check, deployments and their events, the agent command outbox. */

export interface ServersTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  hostname: string | null;
  /** INET, as text. */
  public_ip: string | null;
  private_ip: string | null;
  runtime: Generated<ServerRuntime | null>;
  runtime_version: string | null;
  status: Generated<ServerStatus | null>;
  agent_version: string | null;
  /** SHA-256 hex of the agent token; the token itself is never stored. */
  agent_token_hash: string;
  os_name: string | null;
  os_version: string | null;
  arch: string | null;
  cpu_cores: number | null;
  memory_mb: number | null;
  disk_gb: number | null;
  last_heartbeat_at: Timestamp | null;
  /** The agent's last heartbeat payload: usage and each service's container states (0004). */
  last_heartbeat: Json | null;
  /** The protocol version negotiated with the connected agent (0004). */
  protocol_version: string | null;
  /** Standing problems the agent reported, by resource at fault; cleared at its hello (0012). */
  agent_problems: Defaulted<Json>;
  /** The gateway session of the latest hello; only that session's close marks the server offline (0026). */
  agent_session_id: string | null;
  tags: Generated<string[] | null>;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
}

export type ServerRow = Selectable<ServersTable>;
export type NewServer = Insertable<ServersTable>;
export type ServerUpdate = Updateable<ServersTable>;

export interface ProjectsTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  slug: string;
  description: string | null;
  git_repo_url: string | null;
  git_branch: Generated<string | null>;
  git_provider: string | null;
  git_installation_id: string | null;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
  /** The repository's `GitCredentials`, sealed (0021). */
  git_credentials_encrypted: Buffer | null;
  /** The secret push webhooks are signed with, sealed (0021). */
  git_webhook_secret_encrypted: Buffer | null;
  /** The member who set the webhook secret, whom a push acts as (0027). */
  git_webhook_secret_set_by: string | null;
}

export type ProjectRow = Selectable<ProjectsTable>;
export type NewProject = Insertable<ProjectsTable>;
export type ProjectUpdate = Updateable<ProjectsTable>;

export interface ServicesTable {
  id: Generated<string>;
  project_id: string;
  server_id: string;
  name: string;
  type: Generated<ServiceType | null>;
  source_type: SourceType;
  dockerfile_path: Generated<string | null>;
  build_context: Generated<string | null>;
  image_name: string | null;
  image_tag: string | null;
  port: number | null;
  replicas: Generated<number | null>;
  cpu_limit: string | null;
  memory_limit: string | null;
  /** AES-256-GCM ciphertext of the JSON env map. */
  env_vars_encrypted: Buffer | null;
  domains: Defaulted<Json | null>;
  health_check_path: string | null;
  health_check_interval: Generated<number | null>;
  health_check_timeout: Generated<number | null>;
  health_check_retries: Generated<number | null>;
  auto_deploy: Generated<boolean | null>;
  /** No foreign key, as in the contract: writers must check that the deployment exists and is this service's. */
  current_deployment_id: string | null;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
  /** Of an image source with registry credentials (0005); the password is sealed like the env vars. */
  registry_username: string | null;
  registry_password_encrypted: Buffer | null;
  /** The whole `HealthCheckConfig` (0005); the `health_check_*` columns hold only an HTTP check. */
  health_check: Json | null;
  /** The digest an image source pins (0005). */
  image_digest: string | null;
  /** A built service's branch of the project's repository; null: the project's (0021). */
  git_branch: string | null;
  build_target: string | null;
  build_args: Defaulted<Json>;
  /** The build secrets' map, sealed (0021). */
  build_secrets_encrypted: Buffer | null;
  /** A dockerfile source's own Dockerfile, built instead of `dockerfile_path` (0030). */
  dockerfile_content: string | null;
}

export type ServiceRow = Selectable<ServicesTable>;
export type NewService = Insertable<ServicesTable>;
export type ServiceUpdate = Updateable<ServicesTable>;

/** One sealed known value per master key version (0005): proves at start-up that the key is right. */
export interface MasterKeyChecksTable {
  key_version: number;
  check_value: Buffer;
  created_at: Defaulted<Timestamp>;
}

export interface DeploymentsTable {
  id: Generated<string>;
  service_id: string;
  status: Generated<DeploymentStatus | null>;
  git_commit_sha: string | null;
  git_commit_message: string | null;
  git_branch: string | null;
  image_digest: string | null;
  build_duration_ms: number | null;
  deploy_duration_ms: number | null;
  build_logs: string | null;
  triggered_by: string | null;
  trigger_type: Generated<TriggerType | null>;
  error_message: string | null;
  rollback_from_id: string | null;
  created_at: Defaulted<Timestamp | null>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  /** What it deployed, as the contract's `DeploymentSpec` (0007); null only for rows older than 0007. */
  spec: Json | null;
  /** The Temporal workflow running it (0007). */
  workflow_id: string | null;
  /** The agent's stable host:port for the service, from its `deploy_status` (0019). */
  endpoint: Generated<string | null>;
  /** What a build from source builds, as `BuildSpec` (0021); null for image deployments. */
  build_spec: Json | null;
  /** The server that built it, for a build from source (0028); null for image deployments. */
  build_server_id: string | null;
}

export type DeploymentRow = Selectable<DeploymentsTable>;
export type NewDeployment = Insertable<DeploymentsTable>;
export type DeploymentUpdate = Updateable<DeploymentsTable>;

/** An agent's progress report or a control-plane status change of a deployment (0007). */
export interface DeploymentEventsTable {
  id: Generated<string>;
  deployment_id: string;
  service_id: string;
  org_id: string;
  source: 'agent' | 'control_plane';
  status: string;
  phase: string | null;
  progress_percent: number | null;
  message: string;
  logs: Defaulted<Json>;
  container_id: string | null;
  error_code: string | null;
  at: Defaulted<Timestamp>;
  /** The envelope id of the agent's deploy_status (migration 0028); a resent report is recorded once. */
  report_id: string | null;
}

export type DeploymentEventRow = Selectable<DeploymentEventsTable>;
export type NewDeploymentEvent = Insertable<DeploymentEventsTable>;

export interface AgentCommandsTable {
  id: Generated<string>;
  server_id: string;
  /** Idempotency key: the protocol's `request_id`. */
  request_id: string;
  type: string;
  payload: Json;
  status: Generated<AgentCommandStatus>;
  response: Json | null;
  created_at: Defaulted<Timestamp>;
  sent_at: Timestamp | null;
  answered_at: Timestamp | null;
  expires_at: Timestamp | null;
  /** A `deploy`'s env values and registry credentials, sealed (control/secrets/command-secrets.ts); NULL once answered, expired or cancelled. */
  sealed_secrets: Buffer | null;
  /** The workflow waiting for the command's reports; NULL for a command the API sent itself. */
  workflow_id: string | null;
  /** A `deploy`'s deployment: its `deploy_status` reports are matched to the command by it. */
  deployment_id: string | null;
}

export type AgentCommandRow = Selectable<AgentCommandsTable>;
export type NewAgentCommand = Insertable<AgentCommandsTable>;
export type AgentCommandUpdate = Updateable<AgentCommandsTable>;

/** A service's domain and its certificate state as the agent reports it (0019); the name is the key. */
export interface ServiceDomainsTable {
  domain: string;
  service_id: string;
  status: Generated<'pending_dns' | 'issuing' | 'active' | 'error'>;
  expires_at: Timestamp | null;
  issuer: string | null;
  error: string | null;
  checked_at: Timestamp | null;
  created_at: Generated<Timestamp>;
  /** The platform's `<service>-<project>.<base>`, not one of `services.domains` (0023). */
  is_default: Generated<boolean>;
}

export type ServiceDomainRow = Selectable<ServiceDomainsTable>;

/** A push webhook delivery acted on (0021): the same delivery again is a replay. */
export interface GitWebhookDeliveriesTable {
  project_id: string;
  delivery_id: string;
  received_at: Defaulted<Timestamp>;
}
