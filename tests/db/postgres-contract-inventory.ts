/**
 * What the interface contract's section 3.1 (plus the agent command outbox) must leave in
 * the catalog, written from the contract by hand and in PostgreSQL's own spelling:
 * `format_type()` for types, `pg_get_expr()` for defaults, `pg_get_constraintdef()` for keys.
 * Columns are listed in table order.
 */

export { expectedColumns } from './postgres-contract-columns.js';

const cascade = ' ON DELETE CASCADE';
const setNull = ' ON DELETE SET NULL';
const references = (column: string, target: string, onDelete = '') =>
  `FOREIGN KEY (${column}) REFERENCES ${target}(id)${onDelete}`;

/** Primary keys, unique constraints and foreign keys (CHECK constraints are tested by behaviour). */
export const expectedKeys: Record<string, string[]> = {
  users: ['PRIMARY KEY (id)', 'UNIQUE (email)'],
  organizations: ['PRIMARY KEY (id)', 'UNIQUE (slug)', references('owner_id', 'users', cascade)],
  org_members: [
    'PRIMARY KEY (org_id, user_id)',
    references('org_id', 'organizations', cascade),
    references('user_id', 'users', cascade),
    references('invited_by', 'users'),
  ],
  servers: ['PRIMARY KEY (id)', references('org_id', 'organizations', cascade)],
  projects: [
    'PRIMARY KEY (id)',
    'UNIQUE (org_id, slug)',
    references('org_id', 'organizations', cascade),
    references('git_webhook_secret_set_by', 'users', setNull),
  ],
  services: [
    'PRIMARY KEY (id)',
    references('project_id', 'projects', cascade),
    references('server_id', 'servers', cascade),
  ],
  deployments: [
    'PRIMARY KEY (id)',
    references('service_id', 'services', cascade),
    references('triggered_by', 'users'),
    references('rollback_from_id', 'deployments'),
    references('build_server_id', 'servers', setNull),
  ],
  error_groups: [
    'PRIMARY KEY (id)',
    'UNIQUE (service_id, fingerprint)',
    references('service_id', 'services', cascade),
    references('assigned_to', 'users'),
  ],
  error_events: [
    'PRIMARY KEY (id)',
    references('error_group_id', 'error_groups', cascade),
    references('deployment_id', 'deployments'),
  ],
  health_checks: ['PRIMARY KEY (id)', references('service_id', 'services', cascade)],
  alerts: [
    'PRIMARY KEY (id)',
    references('org_id', 'organizations', cascade),
    references('project_id', 'projects', cascade),
    references('service_id', 'services', cascade),
  ],
  alert_incidents: [
    'PRIMARY KEY (id)',
    references('alert_id', 'alerts', cascade),
    references('acknowledged_by', 'users'),
  ],
  api_tokens: [
    'PRIMARY KEY (id)',
    references('user_id', 'users', cascade),
    references('org_id', 'organizations', cascade),
    references('project_id', 'projects', cascade),
  ],
  sessions: ['PRIMARY KEY (id)', references('user_id', 'users', cascade), references('org_id', 'organizations', cascade)],
  login_links: [
    'PRIMARY KEY (token_hash)',
    references('user_id', 'users', cascade),
    references('org_id', 'organizations', cascade),
  ],
  audit_logs: ['PRIMARY KEY (id)', references('org_id', 'organizations', cascade), references('user_id', 'users')],
  workflows: ['PRIMARY KEY (id)', references('project_id', 'projects', cascade)],
  workflow_runs: [
    'PRIMARY KEY (id)',
    references('workflow_id', 'workflows', cascade),
    references('triggered_by', 'users'),
    // 0016_workflow_versions
    references('version_id', 'workflow_versions', setNull),
    references('parent_run_id', 'workflow_runs', setNull),
  ],
  git_webhook_deliveries: ['PRIMARY KEY (project_id, delivery_id)', references('project_id', 'projects', cascade)],
  rate_limit_buckets: ['PRIMARY KEY (key)'],
  ai_settings: ['PRIMARY KEY (org_id)', references('org_id', 'organizations', cascade), references('updated_by', 'users', setNull)],
  ai_chat_messages: ['PRIMARY KEY (id)', references('org_id', 'organizations', cascade), references('user_id', 'users', cascade)],
  // 0024_acme_settings
  acme_settings: ['PRIMARY KEY (org_id)', references('org_id', 'organizations', cascade), references('updated_by', 'users', setNull)],
  workflow_versions: [
    'PRIMARY KEY (id)',
    'UNIQUE (workflow_id, version)',
    references('workflow_id', 'workflows', cascade),
    references('created_by', 'users', setNull),
  ],
  agent_commands: ['PRIMARY KEY (id)', 'UNIQUE (request_id)', references('server_id', 'servers', cascade)],
  master_key_checks: ['PRIMARY KEY (key_version)'],
  telemetry_batches: ['PRIMARY KEY (server_id, batch_id)', references('server_id', 'servers', cascade)],
  error_group_users: ['PRIMARY KEY (error_group_id, user_id_hash)', references('error_group_id', 'error_groups', cascade)],
  deployment_events: [
    'PRIMARY KEY (id)',
    'UNIQUE (report_id)',
    references('deployment_id', 'deployments', cascade),
    references('service_id', 'services', cascade),
    references('org_id', 'organizations', cascade),
  ],
  service_domains: ['PRIMARY KEY (domain)', references('service_id', 'services', cascade)],
  alert_notifications: [
    'PRIMARY KEY (id)',
    'UNIQUE (incident_id, notice, channel_id)',
    references('incident_id', 'alert_incidents', cascade),
  ],
};

export const expectedEnums: Record<string, string[]> = {
  user_plan: ['free', 'pro', 'team', 'enterprise'],
  org_role: ['owner', 'admin', 'developer', 'viewer'],
  server_status: ['online', 'offline', 'updating', 'error'],
  server_runtime: ['docker', 'kubernetes'],
  service_type: ['app', 'database', 'worker', 'cron'],
  source_type: ['dockerfile', 'nixpacks', 'image', 'docker_compose'],
  deployment_status: ['queued', 'building', 'pushing', 'deploying', 'running', 'failed', 'rolled_back', 'cancelled'],
  trigger_type: ['manual', 'git_push', 'workflow', 'rollback', 'api', 'schedule'],
  issue_status: ['unresolved', 'resolved', 'ignored', 'regressed'],
  issue_severity: ['critical', 'high', 'medium', 'low'],
  alert_type: ['error_rate', 'latency', 'downtime', 'anomaly', 'custom'],
  alert_status: ['firing', 'resolved', 'acknowledged'],
};

/** Named indexes as `table (key columns)`. */
export const expectedIndexes: Record<string, string> = {
  idx_servers_org: 'servers (org_id)',
  idx_servers_status: 'servers (status)',
  idx_servers_agent_token_hash: 'servers (agent_token_hash)',
  idx_projects_org: 'projects (org_id)',
  idx_services_project: 'services (project_id)',
  idx_services_server: 'services (server_id)',
  idx_service_domains_service: 'service_domains (service_id)',
  idx_service_domains_default: 'CREATE UNIQUE INDEX idx_service_domains_default ON public.service_domains USING btree (service_id) WHERE is_default',
  idx_services_project_name: 'services (project_id, lower((name)::text))',
  idx_deployments_service: 'deployments (service_id)',
  idx_deployments_status: 'deployments (status)',
  idx_deployments_created: 'deployments (created_at DESC)',
  idx_error_groups_service: 'error_groups (service_id)',
  idx_error_groups_status: 'error_groups (status)',
  idx_error_groups_last_seen: 'error_groups (last_seen_at DESC)',
  idx_error_events_group: 'error_events (error_group_id)',
  idx_error_events_timestamp: 'error_events ("timestamp" DESC)',
  idx_health_checks_service: 'health_checks (service_id, checked_at DESC)',
  idx_alert_incidents_alert: 'alert_incidents (alert_id)',
  idx_alert_incidents_status: 'alert_incidents (status)',
  idx_api_tokens_hash: 'api_tokens (token_hash)',
  idx_sessions_expires: 'sessions (expires_at)',
  idx_audit_logs_org: 'audit_logs (org_id, created_at DESC)',
  idx_agent_commands_server_status: 'agent_commands (server_id, status, created_at)',
  idx_error_events_group_timestamp: 'error_events (error_group_id, "timestamp" DESC, id DESC)',
  idx_error_groups_service_last_seen: 'error_groups (service_id, last_seen_at DESC)',
  idx_alerts_org: 'alerts (org_id, created_at)',
  idx_alerts_project: 'alerts (project_id)',
  idx_alert_incidents_alert_fired: 'alert_incidents (alert_id, fired_at DESC)',
  idx_workflows_project: 'workflows (project_id, created_at)',
  idx_workflow_runs_workflow: 'workflow_runs (workflow_id, started_at DESC)',
  idx_deployments_service_created: 'deployments (service_id, created_at DESC)',
  idx_deployment_events_deployment: 'deployment_events (deployment_id, at)',
  idx_telemetry_batches_received: 'telemetry_batches (received_at)',
  idx_alert_notifications_due: 'alert_notifications (status, next_attempt_at)',
  idx_agent_commands_deployment: 'agent_commands (deployment_id, created_at) WHERE (deployment_id IS NOT NULL)',
  idx_ai_chat_messages_user: 'ai_chat_messages (org_id, user_id, created_at DESC)',
};

const updatedAtTrigger = (table: string) =>
  `CREATE TRIGGER update_${table}_updated_at BEFORE UPDATE ON public.${table} FOR EACH ROW EXECUTE FUNCTION update_updated_at()`;

export const expectedTriggers: Record<string, string> = {
  update_users_updated_at: updatedAtTrigger('users'),
  update_organizations_updated_at: updatedAtTrigger('organizations'),
  update_servers_updated_at: updatedAtTrigger('servers'),
  update_projects_updated_at: updatedAtTrigger('projects'),
  update_services_updated_at: updatedAtTrigger('services'),
  update_alerts_updated_at: updatedAtTrigger('alerts'),
  update_workflows_updated_at: updatedAtTrigger('workflows'),
  agent_commands_notify:
    'CREATE TRIGGER agent_commands_notify AFTER INSERT ON public.agent_commands FOR EACH ROW EXECUTE FUNCTION notify_agent_command()',
  agent_commands_answered:
    "CREATE TRIGGER agent_commands_answered AFTER UPDATE OF status ON public.agent_commands FOR EACH ROW WHEN ((((new.status)::text = 'answered'::text) AND ((old.status)::text IS DISTINCT FROM 'answered'::text))) EXECUTE FUNCTION notify_agent_command_answer()",
  deployment_events_notify:
    'CREATE TRIGGER deployment_events_notify AFTER INSERT ON public.deployment_events FOR EACH ROW EXECUTE FUNCTION notify_deployment_event()',
  projects_changed:
    'CREATE TRIGGER projects_changed AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.projects FOR EACH STATEMENT EXECUTE FUNCTION notify_projects_changed()',
  api_tokens_auth_changed:
    'CREATE TRIGGER api_tokens_auth_changed AFTER DELETE OR UPDATE OF token_hash, user_id, org_id, project_id, scopes, expires_at ON public.api_tokens FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed()',
  sessions_auth_changed:
    'CREATE TRIGGER sessions_auth_changed AFTER DELETE OR UPDATE OF id, user_id, org_id, expires_at ON public.sessions FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed()',
  error_groups_changed:
    'CREATE TRIGGER error_groups_changed AFTER INSERT OR UPDATE OF status ON public.error_groups FOR EACH ROW EXECUTE FUNCTION notify_issue_changed()',
  org_members_auth_changed:
    'CREATE TRIGGER org_members_auth_changed AFTER DELETE OR UPDATE OF org_id, user_id, role ON public.org_members FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed()',
  // 0018_workflow_run_notifications
  workflow_runs_changed:
    'CREATE TRIGGER workflow_runs_changed AFTER INSERT OR UPDATE ON public.workflow_runs FOR EACH ROW EXECUTE FUNCTION notify_workflow_run_changed()',
  // 0022_domain_status_notifications
  service_domains_status_changed:
    'CREATE TRIGGER service_domains_status_changed AFTER UPDATE ON public.service_domains FOR EACH ROW WHEN ((((old.status)::text IS DISTINCT FROM (new.status)::text) OR (old.expires_at IS DISTINCT FROM new.expires_at) OR (old.error IS DISTINCT FROM new.error))) EXECUTE FUNCTION notify_domain_status_changed()',
};

/** Functions as `name: return type / language`. */
export const expectedFunctions: Record<string, string> = {
  update_updated_at: 'trigger / plpgsql',
  notify_agent_command: 'trigger / plpgsql',
  notify_agent_command_answer: 'trigger / plpgsql',
  notify_deployment_event: 'trigger / plpgsql',
  notify_projects_changed: 'trigger / plpgsql',
  notify_auth_changed: 'trigger / plpgsql',
  notify_issue_changed: 'trigger / plpgsql',
  notify_workflow_run_changed: 'trigger / plpgsql',
  notify_domain_status_changed: 'trigger / plpgsql',
};

export const expectedExtensions = ['pgcrypto', 'uuid-ossp'];
