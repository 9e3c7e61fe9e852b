import { type Kysely, sql } from 'kysely';

/**
 * Live views of telemetry (api/live/): a new issue, or one whose status changes (a regression),
 * NOTIFYs `issues_changed` with `{id, service_id}`, whichever process grouped the error. New log
 * lines are announced by the ingest itself (`service_logs`), after their batch is stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE FUNCTION notify_issue_changed()
  RETURNS TRIGGER AS $$
  BEGIN
      PERFORM pg_notify('issues_changed', json_build_object('id', NEW.id, 'service_id', NEW.service_id)::text);
      RETURN NULL;
  END;
  $$ LANGUAGE plpgsql`.execute(db);
  await sql`CREATE TRIGGER error_groups_changed AFTER INSERT OR UPDATE OF status ON error_groups
    FOR EACH ROW EXECUTE FUNCTION notify_issue_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER error_groups_changed ON error_groups`.execute(db);
  await sql`DROP FUNCTION notify_issue_changed()`.execute(db);
}
