import { type Kysely, sql } from 'kysely';

/**
 * What services need beyond the contract's columns:
 * - `master_key_checks`: one value per master key version, sealed with that key when it is first
 *   used. Every start opens it, so a wrong SYNTRA_MASTER_KEY stops the platform instead of
 *   failing later on the first secret it meets.
 * - Registry credentials of an image source: the username in clear, the password sealed like the
 *   env vars (`services.env_vars_encrypted`).
 * - `health_check`: the whole check as the contract's `HealthCheckConfig` (tcp and exec checks,
 *   port, start period), which the four `health_check_*` columns cannot hold; those stay filled
 *   for HTTP checks.
 * - `image_digest`: the digest an image source may pin.
 * - A service name is unique in its project, whatever its case: it becomes the service's
 *   internal hostname, and DNS ignores case.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE master_key_checks (
    key_version SMALLINT PRIMARY KEY,
    check_value BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
  )`.execute(db);
  await sql`ALTER TABLE services
    ADD COLUMN registry_username VARCHAR(255),
    ADD COLUMN registry_password_encrypted BYTEA,
    ADD COLUMN health_check JSONB,
    ADD COLUMN image_digest VARCHAR(100)`.execute(db);
  await sql`CREATE UNIQUE INDEX idx_services_project_name ON services(project_id, lower(name))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX idx_services_project_name`.execute(db);
  await sql`ALTER TABLE services
    DROP COLUMN registry_username,
    DROP COLUMN registry_password_encrypted,
    DROP COLUMN health_check,
    DROP COLUMN image_digest`.execute(db);
  await sql`DROP TABLE master_key_checks`.execute(db);
}
