import { type Kysely, sql } from 'kysely';

/**
 * A dockerfile source's own Dockerfile (issue 21): the text a person accepted from "Generate
 * Dockerfile", built instead of a file of the repository. Null: the repository's `dockerfile_path`.
 * Its size is bounded by the API (contracts/build/inline-dockerfile.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE services ADD COLUMN dockerfile_content TEXT`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE services DROP COLUMN dockerfile_content`.execute(db);
}
