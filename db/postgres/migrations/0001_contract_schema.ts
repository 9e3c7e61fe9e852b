import { type Kysely, sql } from 'kysely';

/**
 * The interface contract's section 3.1, statement for statement, names unchanged.
 * A migration records what ran: once shipped it is never edited; later changes get a new file.
 * One statement per entry, so a failure points at the statement rather than at a long script.
 */

const extensions = [
  sql`CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`,
  sql`CREATE EXTENSION IF NOT EXISTS "pgcrypto"`,
];

const enums = [
  sql`CREATE TYPE user_plan AS ENUM ('free', 'pro', 'team', 'enterprise')`,
  sql`CREATE TYPE org_role AS ENUM ('owner', 'admin', 'developer', 'viewer')`,
  sql`CREATE TYPE server_status AS ENUM ('online', 'offline', 'updating', 'error')`,
  sql`CREATE TYPE server_runtime AS ENUM ('docker', 'kubernetes')`,
  sql`CREATE TYPE service_type AS ENUM ('app', 'database', 'worker', 'cron')`,
  sql`CREATE TYPE source_type AS ENUM ('dockerfile', 'nixpacks', 'image', 'docker_compose')`,
  sql`CREATE TYPE deployment_status AS ENUM ('queued', 'building', 'pushing', 'deploying', 'running', 'failed', 'rolled_back', 'cancelled')`,
  sql`CREATE TYPE trigger_type AS ENUM ('manual', 'git_push', 'workflow', 'rollback', 'api', 'schedule')`,
  sql`CREATE TYPE issue_status AS ENUM ('unresolved', 'resolved', 'ignored', 'regressed')`,
  sql`CREATE TYPE issue_severity AS ENUM ('critical', 'high', 'medium', 'low')`,
  sql`CREATE TYPE alert_type AS ENUM ('error_rate', 'latency', 'downtime', 'anomaly', 'custom')`,
  sql`CREATE TYPE alert_status AS ENUM ('firing', 'resolved', 'acknowledged')`,
];

const tablesAndIndexes = [
  sql`CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    email VARCHAR(255) UNIQUE NOT NULL,
    name VARCHAR(255),
    avatar_url TEXT,
    plan user_plan DEFAULT 'free',
    stripe_customer_id VARCHAR(255),
    email_verified_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
  )`,

  sql`CREATE TABLE organizations (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    name VARCHAR(255) NOT NULL,
    slug VARCHAR(100) UNIQUE NOT NULL,
    owner_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    plan user_plan DEFAULT 'free',
    stripe_subscription_id VARCHAR(255),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
  )`,

  sql`CREATE TABLE org_members (
    org_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    role org_role NOT NULL DEFAULT 'developer',
    invited_by UUID REFERENCES users(id),
    invited_at TIMESTAMPTZ DEFAULT NOW(),
    accepted_at TIMESTAMPTZ,
    PRIMARY KEY (org_id, user_id)
  )`,

  sql`CREATE TABLE servers (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    hostname VARCHAR(255),
    public_ip INET,
    private_ip INET,
    runtime server_runtime DEFAULT 'docker',
    runtime_version VARCHAR(50),
    status server_status DEFAULT 'offline',
    agent_version VARCHAR(20),
    agent_token_hash VARCHAR(64) NOT NULL,
    os_name VARCHAR(50),
    os_version VARCHAR(50),
    arch VARCHAR(20),
    cpu_cores INTEGER,
    memory_mb INTEGER,
    disk_gb INTEGER,
    last_heartbeat_at TIMESTAMPTZ,
    tags TEXT[] DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
  )`,
  sql`CREATE INDEX idx_servers_org ON servers(org_id)`,
  sql`CREATE INDEX idx_servers_status ON servers(status)`,

  sql`CREATE TABLE projects (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    slug VARCHAR(100) NOT NULL,
    description TEXT,
    git_repo_url TEXT,
    git_branch VARCHAR(255) DEFAULT 'main',
    git_provider VARCHAR(50),
    git_installation_id VARCHAR(100),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(org_id, slug)
  )`,
  sql`CREATE INDEX idx_projects_org ON projects(org_id)`,

  // current_deployment_id has no foreign key, as in the contract.
  sql`CREATE TABLE services (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    project_id UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    server_id UUID NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    type service_type DEFAULT 'app',
    source_type source_type NOT NULL,
    dockerfile_path VARCHAR(500) DEFAULT './Dockerfile',
    build_context VARCHAR(500) DEFAULT '.',
    image_name VARCHAR(500),
    image_tag VARCHAR(255),
    port INTEGER,
    replicas INTEGER DEFAULT 1,
    cpu_limit VARCHAR(20),
    memory_limit VARCHAR(20),
    env_vars_encrypted BYTEA,
    domains JSONB DEFAULT '[]',
    health_check_path VARCHAR(255),
    health_check_interval INTEGER DEFAULT 30,
    health_check_timeout INTEGER DEFAULT 5,
    health_check_retries INTEGER DEFAULT 3,
    auto_deploy BOOLEAN DEFAULT true,
    current_deployment_id UUID,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
  )`,
  sql`CREATE INDEX idx_services_project ON services(project_id)`,
  sql`CREATE INDEX idx_services_server ON services(server_id)`,

  sql`CREATE TABLE deployments (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    status deployment_status DEFAULT 'queued',
    git_commit_sha VARCHAR(40),
    git_commit_message TEXT,
    git_branch VARCHAR(255),
    image_digest VARCHAR(100),
    build_duration_ms INTEGER,
    deploy_duration_ms INTEGER,
    build_logs TEXT,
    triggered_by UUID REFERENCES users(id),
    trigger_type trigger_type DEFAULT 'manual',
    error_message TEXT,
    rollback_from_id UUID REFERENCES deployments(id),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
  )`,
  sql`CREATE INDEX idx_deployments_service ON deployments(service_id)`,
  sql`CREATE INDEX idx_deployments_status ON deployments(status)`,
  sql`CREATE INDEX idx_deployments_created ON deployments(created_at DESC)`,

  sql`CREATE TABLE error_groups (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    fingerprint VARCHAR(64) NOT NULL,
    title TEXT NOT NULL,
    exception_type VARCHAR(255),
    status issue_status DEFAULT 'unresolved',
    severity issue_severity DEFAULT 'medium',
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    event_count BIGINT DEFAULT 1,
    user_count INTEGER DEFAULT 0,
    assigned_to UUID REFERENCES users(id),
    ai_analysis JSONB,
    ai_analyzed_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(service_id, fingerprint)
  )`,
  sql`CREATE INDEX idx_error_groups_service ON error_groups(service_id)`,
  sql`CREATE INDEX idx_error_groups_status ON error_groups(status)`,
  sql`CREATE INDEX idx_error_groups_last_seen ON error_groups(last_seen_at DESC)`,

  sql`CREATE TABLE error_events (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    error_group_id UUID NOT NULL REFERENCES error_groups(id) ON DELETE CASCADE,
    deployment_id UUID REFERENCES deployments(id),
    stack_trace JSONB NOT NULL,
    breadcrumbs JSONB,
    context JSONB,
    environment VARCHAR(50),
    release VARCHAR(100),
    user_id_hash VARCHAR(64),
    timestamp TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW()
  )`,
  sql`CREATE INDEX idx_error_events_group ON error_events(error_group_id)`,
  sql`CREATE INDEX idx_error_events_timestamp ON error_events(timestamp DESC)`,

  sql`CREATE TABLE health_checks (
    id BIGSERIAL PRIMARY KEY,
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    status_code INTEGER,
    response_time_ms INTEGER NOT NULL,
    is_healthy BOOLEAN NOT NULL,
    error_message TEXT,
    checked_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
  )`,
  sql`CREATE INDEX idx_health_checks_service ON health_checks(service_id, checked_at DESC)`,

  sql`CREATE TABLE alerts (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    project_id UUID REFERENCES projects(id) ON DELETE CASCADE,
    service_id UUID REFERENCES services(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    type alert_type NOT NULL,
    condition JSONB NOT NULL,
    channels JSONB NOT NULL,
    is_active BOOLEAN DEFAULT true,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
  )`,

  sql`CREATE TABLE alert_incidents (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    alert_id UUID NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    status alert_status DEFAULT 'firing',
    message TEXT NOT NULL,
    details JSONB,
    ai_summary TEXT,
    fired_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    resolved_at TIMESTAMPTZ,
    acknowledged_by UUID REFERENCES users(id),
    acknowledged_at TIMESTAMPTZ
  )`,
  sql`CREATE INDEX idx_alert_incidents_alert ON alert_incidents(alert_id)`,
  sql`CREATE INDEX idx_alert_incidents_status ON alert_incidents(status)`,

  sql`CREATE TABLE api_tokens (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    token_hash VARCHAR(64) NOT NULL,
    token_prefix VARCHAR(20) NOT NULL,
    scopes TEXT[] DEFAULT '{}',
    last_used_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW()
  )`,
  sql`CREATE INDEX idx_api_tokens_hash ON api_tokens(token_hash)`,

  sql`CREATE TABLE audit_logs (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id UUID REFERENCES users(id),
    action VARCHAR(100) NOT NULL,
    resource_type VARCHAR(50) NOT NULL,
    resource_id UUID,
    details JSONB,
    ip_address INET,
    user_agent TEXT,
    created_at TIMESTAMPTZ DEFAULT NOW()
  )`,
  sql`CREATE INDEX idx_audit_logs_org ON audit_logs(org_id, created_at DESC)`,

  sql`CREATE TABLE workflows (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    project_id UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    definition JSONB NOT NULL,
    trigger_type trigger_type DEFAULT 'manual',
    cron_expression VARCHAR(100),
    is_active BOOLEAN DEFAULT true,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
  )`,

  sql`CREATE TABLE workflow_runs (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    workflow_id UUID NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    status VARCHAR(50) DEFAULT 'running',
    triggered_by UUID REFERENCES users(id),
    trigger_type trigger_type,
    step_results JSONB DEFAULT '{}',
    started_at TIMESTAMPTZ DEFAULT NOW(),
    finished_at TIMESTAMPTZ
  )`,
];

const tablesWithUpdatedAt = ['users', 'organizations', 'servers', 'projects', 'services', 'alerts', 'workflows'];

const updatedAtTriggers = [
  sql`CREATE OR REPLACE FUNCTION update_updated_at()
  RETURNS TRIGGER AS $$
  BEGIN
      NEW.updated_at = NOW();
      RETURN NEW;
  END;
  $$ LANGUAGE plpgsql`,
  ...tablesWithUpdatedAt.map(
    (table) =>
      sql`CREATE TRIGGER ${sql.id(`update_${table}_updated_at`)} BEFORE UPDATE ON ${sql.table(table)} FOR EACH ROW EXECUTE FUNCTION update_updated_at()`,
  ),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [...extensions, ...enums, ...tablesAndIndexes, ...updatedAtTriggers]) {
    await statement.execute(db);
  }
}

/**
 * Leaves the two extensions installed: they may predate this migration, and other schemas in the
 * same database may use them.
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  // One DROP for every table, so their foreign keys to each other need no particular order.
  await sql`DROP TABLE workflow_runs, workflows, audit_logs, api_tokens, alert_incidents, alerts,
    health_checks, error_events, error_groups, deployments, services, projects, servers,
    org_members, organizations, users`.execute(db);
  await sql`DROP FUNCTION update_updated_at()`.execute(db);
  await sql`DROP TYPE user_plan, org_role, server_status, server_runtime, service_type, source_type,
    deployment_status, trigger_type, issue_status, issue_severity, alert_type, alert_status`.execute(db);
}
