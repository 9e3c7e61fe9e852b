import { type Kysely, sql } from 'kysely';

/**
 * Who a push webhook acts as: the member who last set the project's webhook secret. A push is
 * authenticated by that secret, not by a person, so its deploys run with that member's current
 * role (one who lost the right to deploy, or left, cannot deploy through a webhook either), as a
 * DAG run's steps act as the member who started the run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE projects ADD COLUMN git_webhook_secret_set_by UUID REFERENCES users(id) ON DELETE SET NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE projects DROP COLUMN git_webhook_secret_set_by`.execute(db);
}
