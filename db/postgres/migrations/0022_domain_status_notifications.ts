import { type Kysely, sql } from 'kysely';

/**
 * Live domain status (api/live/): a change of a domain's certificate state (status, expiry, ACME
 * error) NOTIFYs `service_domains` with `{domain, service_id}`, whichever API process stored the
 * heartbeat; every process reads the row back for its sockets in the service's room. A heartbeat
 * repeating what is known changes nothing, so it notifies nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE FUNCTION notify_domain_status_changed()
  RETURNS TRIGGER AS $$
  BEGIN
      PERFORM pg_notify('service_domains', json_build_object('domain', NEW.domain, 'service_id', NEW.service_id)::text);
      RETURN NULL;
  END;
  $$ LANGUAGE plpgsql`.execute(db);
  await sql`CREATE TRIGGER service_domains_status_changed AFTER UPDATE ON service_domains
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.expires_at IS DISTINCT FROM NEW.expires_at OR OLD.error IS DISTINCT FROM NEW.error)
    EXECUTE FUNCTION notify_domain_status_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER service_domains_status_changed ON service_domains`.execute(db);
  await sql`DROP FUNCTION notify_domain_status_changed()`.execute(db);
}
