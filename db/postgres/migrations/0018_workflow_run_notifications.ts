import { type Kysely, sql } from 'kysely';

/**
 * Live run views (api/live/): every write of a run's row (a node's state merged into
 * `step_results` by the worker, its status, a cancel from the API) NOTIFYs `workflow_runs` with
 * `{id}`, whichever process wrote it; the API reads the row back and sends it to the run's room.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE FUNCTION notify_workflow_run_changed()
  RETURNS TRIGGER AS $$
  BEGIN
      PERFORM pg_notify('workflow_runs', json_build_object('id', NEW.id)::text);
      RETURN NULL;
  END;
  $$ LANGUAGE plpgsql`.execute(db);
  await sql`CREATE TRIGGER workflow_runs_changed AFTER INSERT OR UPDATE ON workflow_runs
    FOR EACH ROW EXECUTE FUNCTION notify_workflow_run_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER workflow_runs_changed ON workflow_runs`.execute(db);
  await sql`DROP FUNCTION notify_workflow_run_changed()`.execute(db);
}
