import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { AgentCommandStatus, AlertStatus, AlertType, DeploymentStatus, Defaulted, IssueSeverity, IssueStatus, Int8, Json, OrgRole, ServerRuntime, ServerStatus, ServiceType, SourceType, Timestamp, TriggerType, UserPlan } from './column-types.js';

/**
 * The PostgreSQL schema as kysely sees it: section 3.1 of spec/interface-contracts.md plus the
 * agent command outbox. Nullability follows the DDL exactly: the contract leaves many defaulted
 * columns (`created_at`, `plan`, `status`…) nullable, so their read types include `null`.
 * Shapes stored inside JSONB belong to `contracts/` (zod) and are parsed there, not restated here.
 */

export type * from './column-types.js';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string | null;
  avatar_url: string | null;
  plan: Generated<UserPlan | null>;
  stripe_customer_id: string | null;
  email_verified_at: Timestamp | null;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  owner_id: string;
  plan: Generated<UserPlan | null>;
  stripe_subscription_id: string | null;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
}

export interface OrgMembersTable {
  org_id: string;
  user_id: string;
  role: Generated<OrgRole>;
  invited_by: string | null;
  invited_at: Defaulted<Timestamp | null>;
  accepted_at: Timestamp | null;
}

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
  tags: Generated<string[] | null>;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
}

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
}

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
}

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
}

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
}

export interface ErrorGroupsTable {
  id: Generated<string>;
  service_id: string;
  fingerprint: string;
  title: string;
  exception_type: string | null;
  status: Generated<IssueStatus | null>;
  severity: Generated<IssueSeverity | null>;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  event_count: Defaulted<Int8 | null>;
  user_count: Generated<number | null>;
  assigned_to: string | null;
  ai_analysis: Json | null;
  ai_analyzed_at: Timestamp | null;
  resolved_at: Timestamp | null;
  created_at: Defaulted<Timestamp | null>;
}

export interface ErrorEventsTable {
  id: Generated<string>;
  error_group_id: string;
  deployment_id: string | null;
  stack_trace: Json;
  breadcrumbs: Json | null;
  context: Json | null;
  environment: string | null;
  release: string | null;
  user_id_hash: string | null;
  timestamp: Timestamp;
  created_at: Defaulted<Timestamp | null>;
}

export interface HealthChecksTable {
  id: Defaulted<Int8>;
  service_id: string;
  status_code: number | null;
  response_time_ms: number;
  is_healthy: boolean;
  error_message: string | null;
  checked_at: Defaulted<Timestamp>;
}

/** 0009: the batches each server sent, for de-duplication; `stored_at` NULL while being written. */
export interface TelemetryBatchesTable {
  server_id: string;
  batch_id: string;
  received_at: Defaulted<Timestamp>;
  stored_at: Timestamp | null;
}

/** 0009: each issue's distinct users, by hashed user id (`error_groups.user_count` counts them). */
export interface ErrorGroupUsersTable {
  error_group_id: string;
  user_id_hash: string;
}

export interface AlertsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string | null;
  service_id: string | null;
  name: string;
  type: AlertType;
  condition: Json;
  channels: Json;
  is_active: Generated<boolean | null>;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
}

export interface AlertIncidentsTable {
  id: Generated<string>;
  alert_id: string;
  status: Generated<AlertStatus | null>;
  message: string;
  details: Json | null;
  ai_summary: string | null;
  fired_at: Defaulted<Timestamp>;
  resolved_at: Timestamp | null;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
  /** 0009: when the "fired" / "resolved" notifications were claimed for sending. */
  fire_notified_at: Defaulted<Timestamp | null>;
  resolve_notified_at: Defaulted<Timestamp | null>;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  org_id: string | null;
  name: string;
  token_hash: string;
  token_prefix: string;
  scopes: Generated<string[] | null>;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  created_at: Defaulted<Timestamp | null>;
  /** Set for `syn_prj_` tokens: the one project the token reaches (0003). */
  project_id: Generated<string | null>;
}

/** A browser session (0003). */
export interface SessionsTable {
  /** SHA-256 hex of the secret in the session cookie. */
  id: string;
  user_id: string;
  org_id: string;
  /** SHA-256 hex of the session's CSRF token, which mutations send as `X-CSRF-Token`. */
  csrf_token_hash: string;
  expires_at: Timestamp;
  created_at: Defaulted<Timestamp>;
  last_seen_at: Defaulted<Timestamp>;
}

/** A one-time sign-in link, such as the one printed at the first start (0003). */
export interface LoginLinksTable {
  /** SHA-256 hex of the link's secret. */
  token_hash: string;
  user_id: string;
  org_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Defaulted<Timestamp>;
}

export interface AuditLogsTable {
  id: Generated<string>;
  org_id: string;
  user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  details: Json | null;
  /** INET, as text. */
  ip_address: string | null;
  user_agent: string | null;
  created_at: Defaulted<Timestamp | null>;
}

export interface WorkflowsTable {
  id: Generated<string>;
  project_id: string;
  name: string;
  description: string | null;
  definition: Json;
  trigger_type: Generated<TriggerType | null>;
  cron_expression: string | null;
  is_active: Generated<boolean | null>;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
}

export interface WorkflowRunsTable {
  id: Generated<string>;
  workflow_id: string;
  /** VARCHAR(50) in the contract, not an enum. */
  status: Generated<string | null>;
  triggered_by: string | null;
  trigger_type: TriggerType | null;
  step_results: Defaulted<Json | null>;
  started_at: Defaulted<Timestamp | null>;
  finished_at: Timestamp | null;
}

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
}

export interface Database {
  users: UsersTable;
  organizations: OrganizationsTable;
  org_members: OrgMembersTable;
  servers: ServersTable;
  projects: ProjectsTable;
  services: ServicesTable;
  deployments: DeploymentsTable;
  error_groups: ErrorGroupsTable;
  error_events: ErrorEventsTable;
  health_checks: HealthChecksTable;
  alerts: AlertsTable;
  alert_incidents: AlertIncidentsTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  login_links: LoginLinksTable;
  audit_logs: AuditLogsTable;
  workflows: WorkflowsTable;
  workflow_runs: WorkflowRunsTable;
  agent_commands: AgentCommandsTable;
  deployment_events: DeploymentEventsTable;
  master_key_checks: MasterKeyChecksTable;
  telemetry_batches: TelemetryBatchesTable;
  error_group_users: ErrorGroupUsersTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;

export type OrganizationRow = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;

export type OrgMemberRow = Selectable<OrgMembersTable>;
export type NewOrgMember = Insertable<OrgMembersTable>;
export type OrgMemberUpdate = Updateable<OrgMembersTable>;

export type ServerRow = Selectable<ServersTable>;
export type NewServer = Insertable<ServersTable>;
export type ServerUpdate = Updateable<ServersTable>;

export type ProjectRow = Selectable<ProjectsTable>;
export type NewProject = Insertable<ProjectsTable>;
export type ProjectUpdate = Updateable<ProjectsTable>;

export type ServiceRow = Selectable<ServicesTable>;
export type NewService = Insertable<ServicesTable>;
export type ServiceUpdate = Updateable<ServicesTable>;

export type DeploymentRow = Selectable<DeploymentsTable>;
export type NewDeployment = Insertable<DeploymentsTable>;
export type DeploymentUpdate = Updateable<DeploymentsTable>;

export type ErrorGroupRow = Selectable<ErrorGroupsTable>;
export type NewErrorGroup = Insertable<ErrorGroupsTable>;
export type ErrorGroupUpdate = Updateable<ErrorGroupsTable>;

export type ErrorEventRow = Selectable<ErrorEventsTable>;
export type NewErrorEvent = Insertable<ErrorEventsTable>;

export type HealthCheckRow = Selectable<HealthChecksTable>;
export type NewHealthCheck = Insertable<HealthChecksTable>;

export type AlertRow = Selectable<AlertsTable>;
export type NewAlert = Insertable<AlertsTable>;
export type AlertUpdate = Updateable<AlertsTable>;

export type AlertIncidentRow = Selectable<AlertIncidentsTable>;
export type NewAlertIncident = Insertable<AlertIncidentsTable>;
export type AlertIncidentUpdate = Updateable<AlertIncidentsTable>;

export type ApiTokenRow = Selectable<ApiTokensTable>;
export type NewApiToken = Insertable<ApiTokensTable>;
export type ApiTokenUpdate = Updateable<ApiTokensTable>;

export type SessionRow = Selectable<SessionsTable>;
export type NewSession = Insertable<SessionsTable>;

export type LoginLinkRow = Selectable<LoginLinksTable>;
export type NewLoginLink = Insertable<LoginLinksTable>;

export type AuditLogRow = Selectable<AuditLogsTable>;
export type NewAuditLog = Insertable<AuditLogsTable>;

export type WorkflowRow = Selectable<WorkflowsTable>;
export type NewWorkflow = Insertable<WorkflowsTable>;
export type WorkflowUpdate = Updateable<WorkflowsTable>;

export type WorkflowRunRow = Selectable<WorkflowRunsTable>;
export type NewWorkflowRun = Insertable<WorkflowRunsTable>;
export type WorkflowRunUpdate = Updateable<WorkflowRunsTable>;

export type DeploymentEventRow = Selectable<DeploymentEventsTable>;
export type NewDeploymentEvent = Insertable<DeploymentEventsTable>;

export type AgentCommandRow = Selectable<AgentCommandsTable>;
export type NewAgentCommand = Insertable<AgentCommandsTable>;
export type AgentCommandUpdate = Updateable<AgentCommandsTable>;
