import { type Kysely, sql } from 'kysely';

/**
 * Domains (issue 20). `service_domains` holds each service's domains once more, keyed by the
 * name itself: a domain routes to one place on the internet, so the primary key is what makes a
 * second service (of any organization) claiming it a 409, also when two requests race. The rows
 * carry the certificate state the agent reports in its heartbeats. `deployments.endpoint` keeps
 * the agent's stable host:port that `deploy_status` reports, so the API can say where a service answers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE service_domains (
    domain VARCHAR(253) PRIMARY KEY,
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL DEFAULT 'pending_dns' CHECK (status IN ('pending_dns', 'issuing', 'active', 'error')),
    expires_at TIMESTAMPTZ,
    issuer TEXT,
    error TEXT,
    checked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX idx_service_domains_service ON service_domains(service_id)`.execute(db);
  await sql`ALTER TABLE deployments ADD COLUMN endpoint VARCHAR(300)`.execute(db);
  // Domains stored before this migration become rows; a name two services shared stays with the older one.
  await sql`INSERT INTO service_domains (domain, service_id)
    SELECT DISTINCT ON (lower(d.domain)) lower(d.domain), s.id
    FROM services s, jsonb_array_elements_text(COALESCE(s.domains, '[]'::jsonb)) AS d(domain)
    ORDER BY lower(d.domain), s.created_at`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE deployments DROP COLUMN endpoint`.execute(db);
  await sql`DROP TABLE service_domains`.execute(db);
}
