import type { AcmeSettingsTable, AiChatMessagesTable, AiSettingsTable, ApiTokensTable, RateLimitBucketsTable, AuditLogsTable, LoginLinksTable, OrgMembersTable, OrganizationsTable, SessionsTable, UsersTable } from './tables/access.js';
import type { AgentCommandsTable, DeploymentEventsTable, DeploymentsTable, GitWebhookDeliveriesTable, MasterKeyChecksTable, ProjectsTable, ServersTable, ServiceDomainsTable, ServicesTable } from './tables/deploy.js';
import type { ErrorEventsTable, ErrorGroupUsersTable, ErrorGroupsTable, HealthChecksTable, TelemetryBatchesTable } from './tables/telemetry.js';
import type { AlertIncidentsTable, AlertNotificationsTable, AlertsTable, WorkflowRunsTable, WorkflowsTable, WorkflowVersionsTable } from './tables/automation.js';

/**
 * The PostgreSQL schema as kysely sees it: the interface contract's section 3.1 plus the
 * agent command outbox. Nullability follows the DDL exactly: the contract leaves many defaulted
 * columns (`created_at`, `plan`, `status`…) nullable, so their read types include `null`.
 * Shapes stored inside JSONB belong to `contracts/` (zod) and are parsed there, not restated here.
 */

export type * from './column-types.js';
export type * from './tables/access.js';
export type * from './tables/deploy.js';
export type * from './tables/telemetry.js';
export type * from './tables/automation.js';

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
  workflow_versions: WorkflowVersionsTable;
  agent_commands: AgentCommandsTable;
  deployment_events: DeploymentEventsTable;
  master_key_checks: MasterKeyChecksTable;
  telemetry_batches: TelemetryBatchesTable;
  error_group_users: ErrorGroupUsersTable;
  alert_notifications: AlertNotificationsTable;
  ai_settings: AiSettingsTable;
  acme_settings: AcmeSettingsTable;
  service_domains: ServiceDomainsTable;
  ai_chat_messages: AiChatMessagesTable;
  git_webhook_deliveries: GitWebhookDeliveriesTable;
  rate_limit_buckets: RateLimitBucketsTable;
}
