import { type Kysely, sql } from 'kysely';

/**
 * Indexes for the reads of the observability, alert and workflow endpoints, which the contract's
 * schema leaves to sequential scans once tables grow:
 * - an issue's events, newest first, a page at a time after an event: (group, timestamp, id);
 * - a service's issues by last sighting (the issue list's default order);
 * - an organization's alert rules, and a rule's incidents newest first;
 * - a project's workflows, and a workflow's runs newest first.
 */
const indexes = [
  sql`CREATE INDEX idx_error_events_group_timestamp ON error_events(error_group_id, timestamp DESC, id DESC)`,
  sql`CREATE INDEX idx_error_groups_service_last_seen ON error_groups(service_id, last_seen_at DESC)`,
  sql`CREATE INDEX idx_alerts_org ON alerts(org_id, created_at)`,
  sql`CREATE INDEX idx_alerts_project ON alerts(project_id)`,
  sql`CREATE INDEX idx_alert_incidents_alert_fired ON alert_incidents(alert_id, fired_at DESC)`,
  sql`CREATE INDEX idx_workflows_project ON workflows(project_id, created_at)`,
  sql`CREATE INDEX idx_workflow_runs_workflow ON workflow_runs(workflow_id, started_at DESC)`,
];

const names = [
  'idx_error_events_group_timestamp',
  'idx_error_groups_service_last_seen',
  'idx_alerts_org',
  'idx_alerts_project',
  'idx_alert_incidents_alert_fired',
  'idx_workflows_project',
  'idx_workflow_runs_workflow',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of indexes) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of names) await sql`DROP INDEX ${sql.id(name)}`.execute(db);
}
