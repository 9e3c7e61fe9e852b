import { type Kysely, sql } from 'kysely';

/**
 * Builds from source (issue 19). A project's git credential (an https token or an ssh deploy
 * key) sealed like env secrets; a service's branch, build target, build args and build secrets
 * (sealed); a deployment's build as decided (`build_spec`: repository, branch, commit, Dockerfile;
 * no secret). Push-to-deploy remembers each webhook delivery it acted on, so a replay is ignored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE projects ADD COLUMN git_credentials_encrypted BYTEA, ADD COLUMN git_webhook_secret_encrypted BYTEA`.execute(db);
  await sql`ALTER TABLE services
    ADD COLUMN git_branch VARCHAR(255),
    ADD COLUMN build_target VARCHAR(128),
    ADD COLUMN build_args JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN build_secrets_encrypted BYTEA`.execute(db);
  await sql`ALTER TABLE deployments ADD COLUMN build_spec JSONB`.execute(db);
  await sql`CREATE TABLE git_webhook_deliveries (
    project_id UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    delivery_id VARCHAR(255) NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (project_id, delivery_id)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE git_webhook_deliveries`.execute(db);
  await sql`ALTER TABLE deployments DROP COLUMN build_spec`.execute(db);
  await sql`ALTER TABLE services DROP COLUMN git_branch, DROP COLUMN build_target, DROP COLUMN build_args, DROP COLUMN build_secrets_encrypted`.execute(db);
  await sql`ALTER TABLE projects DROP COLUMN git_credentials_encrypted, DROP COLUMN git_webhook_secret_encrypted`.execute(db);
}
