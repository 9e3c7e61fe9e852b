import { type Kysely, sql } from 'kysely';

/**
 * API processes cache some reads (api/http/notified-cache.ts) and PostgreSQL tells them to forget:
 * - `auth_changed`: verified tokens and sessions. Any change that could revoke or narrow one — a
 *   token deleted or re-scoped, a session ended, a member removed or given another role —
 *   notifies. The touches of `last_used_at` / `last_seen_at` change nothing cached, so they do not.
 * - `projects_changed`: project lists, on any write to `projects`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE FUNCTION notify_auth_changed()
  RETURNS TRIGGER AS $$
  BEGIN
      PERFORM pg_notify('auth_changed', TG_TABLE_NAME);
      RETURN NULL;
  END;
  $$ LANGUAGE plpgsql`.execute(db);
  await sql`CREATE FUNCTION notify_projects_changed()
  RETURNS TRIGGER AS $$
  BEGIN
      PERFORM pg_notify('projects_changed', '');
      RETURN NULL;
  END;
  $$ LANGUAGE plpgsql`.execute(db);
  await sql`CREATE TRIGGER projects_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION notify_projects_changed()`.execute(db);
  await sql`CREATE TRIGGER api_tokens_auth_changed
    AFTER UPDATE OF token_hash, user_id, org_id, project_id, scopes, expires_at OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed()`.execute(db);
  await sql`CREATE TRIGGER sessions_auth_changed
    AFTER UPDATE OF id, user_id, org_id, expires_at OR DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed()`.execute(db);
  await sql`CREATE TRIGGER org_members_auth_changed
    AFTER UPDATE OF org_id, user_id, role OR DELETE ON org_members
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER projects_changed ON projects`.execute(db);
  await sql`DROP FUNCTION notify_projects_changed()`.execute(db);
  await sql`DROP TRIGGER org_members_auth_changed ON org_members`.execute(db);
  await sql`DROP TRIGGER sessions_auth_changed ON sessions`.execute(db);
  await sql`DROP TRIGGER api_tokens_auth_changed ON api_tokens`.execute(db);
  await sql`DROP FUNCTION notify_auth_changed()`.execute(db);
}
