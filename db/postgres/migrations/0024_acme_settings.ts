import { type Kysely, sql } from 'kysely';

/**
 * An organization's ACME directory and account email (issue 20), sent to its servers' agents in
 * every deploy. An organization without a row leaves each agent its own setting (Let's Encrypt
 * unless the agent was started with another).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE acme_settings (
    org_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    directory_url TEXT NOT NULL,
    email VARCHAR(255),
    updated_by UUID REFERENCES users(id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE acme_settings`.execute(db);
}
