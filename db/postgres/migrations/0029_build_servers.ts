import { type Kysely, sql } from 'kysely';

/**
 * Which server built a deployment (issue 19): the service's own, or a server of the organization
 * tagged `build` that was online when the build started. Kept when that server is deleted later,
 * as null: the deployment and its image outlive it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE deployments ADD COLUMN build_server_id UUID REFERENCES servers(id) ON DELETE SET NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE deployments DROP COLUMN build_server_id`.execute(db);
}
