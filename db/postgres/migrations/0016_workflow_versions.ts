import { type Kysely, sql } from 'kysely';

/**
 * DAG workflows run (issue 16). Every save of a definition is an immutable row of
 * `workflow_versions`; `workflows.definition` stays the newest, as the contract has it, and
 * `workflows.version` names it. A run pins the version it started with (`version_id`), so an edit
 * never changes a run in flight. The schedule's settings sit beside its cron expression, and a
 * run records its inputs, its parent (a `run_workflow` step) and its Temporal workflow id.
 * Existing definitions become their version 1, saved by nobody. An organization may let its
 * `http_request` steps reach loopback, link-local and private addresses (off by default).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE workflow_versions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id UUID NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    definition JSONB NOT NULL,
    created_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (workflow_id, version)
  )`.execute(db);
  await sql`ALTER TABLE workflows
    ADD COLUMN version INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
    ADD COLUMN overlap_policy VARCHAR(20) NOT NULL DEFAULT 'skip',
    ADD COLUMN catchup_window_seconds INTEGER NOT NULL DEFAULT 60,
    ADD COLUMN schedule_paused BOOLEAN NOT NULL DEFAULT FALSE`.execute(db);
  await sql`ALTER TABLE workflow_runs
    ADD COLUMN version_id UUID REFERENCES workflow_versions(id) ON DELETE SET NULL,
    ADD COLUMN inputs JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN parent_run_id UUID REFERENCES workflow_runs(id) ON DELETE SET NULL,
    ADD COLUMN temporal_workflow_id VARCHAR(255)`.execute(db);
  await sql`ALTER TABLE organizations ADD COLUMN workflow_http_private_allowed BOOLEAN NOT NULL DEFAULT FALSE`.execute(db);
  await sql`INSERT INTO workflow_versions (workflow_id, version, definition) SELECT id, 1, definition FROM workflows`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE workflow_runs DROP COLUMN version_id, DROP COLUMN inputs, DROP COLUMN parent_run_id, DROP COLUMN temporal_workflow_id`.execute(db);
  await sql`ALTER TABLE workflows DROP COLUMN version, DROP COLUMN timezone, DROP COLUMN overlap_policy, DROP COLUMN catchup_window_seconds, DROP COLUMN schedule_paused`.execute(db);
  await sql`ALTER TABLE organizations DROP COLUMN workflow_http_private_allowed`.execute(db);
  await sql`DROP TABLE workflow_versions`.execute(db);
}
