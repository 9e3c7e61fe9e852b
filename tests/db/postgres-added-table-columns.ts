import { now, requiredTimestamp, timestamp, uuidKey, varchar } from './postgres-column-types.js';

/**
 * The columns of the tables later migrations added beside section 3.1's (sessions, login links,
 * the outbox, telemetry bookkeeping, workflow versions, domains, AI, rate limits, builds…), each
 * under the migration that made it. Part of `expectedColumns` (postgres-contract-columns.ts).
 */
export const addedTableColumns: Record<string, Record<string, string>> = {
  // 0003_auth
  sessions: {
    id: varchar(64, ' NOT NULL'),
    user_id: 'uuid NOT NULL',
    org_id: 'uuid NOT NULL',
    csrf_token_hash: varchar(64, ' NOT NULL'),
    expires_at: requiredTimestamp,
    created_at: 'timestamp with time zone NOT NULL DEFAULT now()',
    last_seen_at: 'timestamp with time zone NOT NULL DEFAULT now()',
  },
  login_links: {
    token_hash: varchar(64, ' NOT NULL'),
    user_id: 'uuid NOT NULL',
    org_id: 'uuid NOT NULL',
    expires_at: requiredTimestamp,
    used_at: timestamp,
    created_at: 'timestamp with time zone NOT NULL DEFAULT now()',
  },
  audit_logs: {
    id: uuidKey,
    org_id: 'uuid NOT NULL',
    user_id: 'uuid',
    action: varchar(100, ' NOT NULL'),
    resource_type: varchar(50, ' NOT NULL'),
    resource_id: 'uuid',
    details: 'jsonb',
    ip_address: 'inet',
    user_agent: 'text',
    created_at: now,
  },
  workflows: {
    id: uuidKey,
    project_id: 'uuid NOT NULL',
    name: varchar(255, ' NOT NULL'),
    description: 'text',
    definition: 'jsonb NOT NULL',
    trigger_type: "trigger_type DEFAULT 'manual'::trigger_type",
    cron_expression: varchar(100),
    is_active: 'boolean DEFAULT true',
    created_at: now,
    updated_at: now,
    // 0016_workflow_versions
    version: 'integer NOT NULL DEFAULT 1',
    timezone: varchar(64, " NOT NULL DEFAULT 'UTC'::character varying"),
    overlap_policy: varchar(20, " NOT NULL DEFAULT 'skip'::character varying"),
    catchup_window_seconds: 'integer NOT NULL DEFAULT 60',
    schedule_paused: 'boolean NOT NULL DEFAULT false',
  },
  workflow_runs: {
    id: uuidKey,
    workflow_id: 'uuid NOT NULL',
    status: varchar(50, " DEFAULT 'running'::character varying"),
    triggered_by: 'uuid',
    trigger_type: 'trigger_type',
    step_results: "jsonb DEFAULT '{}'::jsonb",
    started_at: now,
    finished_at: timestamp,
    // 0016_workflow_versions
    version_id: 'uuid',
    inputs: "jsonb NOT NULL DEFAULT '{}'::jsonb",
    parent_run_id: 'uuid',
    temporal_workflow_id: varchar(255),
  },
  // 0005_service_secrets
  master_key_checks: {
    key_version: 'smallint NOT NULL',
    check_value: 'bytea NOT NULL',
    created_at: 'timestamp with time zone NOT NULL DEFAULT now()',
  },
  // 0007_durable_operations
  deployment_events: {
    id: 'uuid NOT NULL DEFAULT gen_random_uuid()',
    deployment_id: 'uuid NOT NULL',
    service_id: 'uuid NOT NULL',
    org_id: 'uuid NOT NULL',
    source: varchar(20, ' NOT NULL'),
    status: varchar(30, ' NOT NULL'),
    phase: varchar(30),
    progress_percent: 'smallint',
    message: 'text NOT NULL',
    logs: "jsonb NOT NULL DEFAULT '[]'::jsonb",
    container_id: varchar(255),
    error_code: varchar(100),
    at: 'timestamp with time zone NOT NULL DEFAULT clock_timestamp()',
    // 0028_agent_report_ids
    report_id: 'uuid',
  },
  // 0009_telemetry_ingest
  telemetry_batches: {
    server_id: 'uuid NOT NULL',
    batch_id: 'uuid NOT NULL',
    received_at: 'timestamp with time zone NOT NULL DEFAULT now()',
    stored_at: timestamp,
    // 0026_process_handover
    claimed_by: 'uuid',
    claimed_at: timestamp,
  },
  error_group_users: {
    error_group_id: 'uuid NOT NULL',
    user_id_hash: varchar(64, ' NOT NULL'),
  },
  agent_commands: {
    id: 'uuid NOT NULL DEFAULT gen_random_uuid()',
    server_id: 'uuid NOT NULL',
    request_id: varchar(100, ' NOT NULL'),
    type: varchar(50, ' NOT NULL'),
    payload: 'jsonb NOT NULL',
    status: varchar(20, " NOT NULL DEFAULT 'pending'::character varying"),
    response: 'jsonb',
    created_at: 'timestamp with time zone NOT NULL DEFAULT now()',
    sent_at: timestamp,
    answered_at: timestamp,
    expires_at: timestamp,
    // 0013_sealed_command_secrets
    sealed_secrets: 'bytea',
    // 0015_command_waiters
    workflow_id: varchar(255),
    deployment_id: 'uuid',
  },
  // 0016_workflow_versions
  workflow_versions: {
    id: 'uuid NOT NULL DEFAULT gen_random_uuid()',
    workflow_id: 'uuid NOT NULL',
    version: 'integer NOT NULL',
    definition: 'jsonb NOT NULL',
    created_by: 'uuid',
    created_at: 'timestamp with time zone NOT NULL DEFAULT now()',
  },
  // 0019_service_domains
  service_domains: {
    domain: varchar(253, ' NOT NULL'),
    service_id: 'uuid NOT NULL',
    status: varchar(20, " NOT NULL DEFAULT 'pending_dns'::character varying"),
    expires_at: timestamp,
    issuer: 'text',
    error: 'text',
    checked_at: timestamp,
    created_at: 'timestamp with time zone NOT NULL DEFAULT now()',
    // 0023_default_domains
    is_default: 'boolean NOT NULL DEFAULT false',
  },
  // 0024_acme_settings
  acme_settings: {
    org_id: 'uuid NOT NULL',
    directory_url: 'text NOT NULL',
    email: varchar(255),
    updated_by: 'uuid',
    updated_at: 'timestamp with time zone NOT NULL DEFAULT now()',
  },
  // 0017_ai_settings
  ai_settings: {
    org_id: 'uuid NOT NULL',
    enabled: 'boolean NOT NULL DEFAULT false',
    base_url: 'text',
    model: varchar(255),
    api_key_encrypted: 'bytea',
    updated_by: 'uuid',
    updated_at: 'timestamp with time zone NOT NULL DEFAULT now()',
  },
  // 0020_ai_chat_messages
  ai_chat_messages: {
    id: 'uuid NOT NULL',
    org_id: 'uuid NOT NULL',
    user_id: 'uuid NOT NULL',
    context: 'jsonb NOT NULL',
    question: 'text NOT NULL',
    answer: 'text NOT NULL',
    engine: varchar(20, ' NOT NULL'),
    sources: 'jsonb NOT NULL',
    created_at: 'timestamp with time zone NOT NULL DEFAULT now()',
  },
  // 0025_rate_limit_buckets
  rate_limit_buckets: {
    key: 'text NOT NULL',
    tokens: 'double precision NOT NULL',
    granted: 'integer NOT NULL',
    updated_at: 'timestamp with time zone NOT NULL',
  },
  // 0011_alert_notifications
  alert_notifications: {
    id: 'uuid NOT NULL DEFAULT gen_random_uuid()',
    incident_id: 'uuid NOT NULL',
    notice: varchar(10, ' NOT NULL'),
    channel_id: 'uuid NOT NULL',
    incident: 'jsonb NOT NULL',
    status: varchar(10, " NOT NULL DEFAULT 'pending'::character varying"),
    attempts: 'integer NOT NULL DEFAULT 0',
    queued_at: 'timestamp with time zone NOT NULL',
    next_attempt_at: 'timestamp with time zone NOT NULL',
    last_attempt_at: timestamp,
    last_error: 'text',
    delivered_at: timestamp,
  },
  // 0021_builds
  git_webhook_deliveries: {
    project_id: 'uuid NOT NULL',
    delivery_id: varchar(255, ' NOT NULL'),
    received_at: 'timestamp with time zone NOT NULL DEFAULT now()',
  },
};
