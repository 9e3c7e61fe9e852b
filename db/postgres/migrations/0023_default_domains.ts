import { type Kysely, sql } from 'kysely';

/**
 * Default domains (issue 20): a service's `<service>-<project>.<base>` under SYNTRA_BASE_DOMAIN is
 * a `service_domains` row like the domains users give, so it has the same certificate status and
 * the same one-service-per-name key, but it is the platform's: `is_default`, never in
 * `services.domains`, so replacing a service's domains leaves it alone. One per service.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE service_domains ADD COLUMN is_default BOOLEAN NOT NULL DEFAULT false`.execute(db);
  await sql`CREATE UNIQUE INDEX idx_service_domains_default ON service_domains(service_id) WHERE is_default`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX idx_service_domains_default`.execute(db);
  await sql`ALTER TABLE service_domains DROP COLUMN is_default`.execute(db);
}
