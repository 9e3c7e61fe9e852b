import { type Kysely, sql } from 'kysely';

/**
 * What authentication needs beyond the contract's `api_tokens`: project-scoped tokens, browser
 * sessions and one-time login links. Every secret is stored as its SHA-256 hex only, so a copy of
 * the database lets nobody sign in.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // A `syn_prj_` token reaches one project; deleting the project revokes its tokens.
  await sql`ALTER TABLE api_tokens ADD COLUMN project_id UUID REFERENCES projects(id) ON DELETE CASCADE`.execute(db);

  // The cookie carries the secret; the row is keyed by its hash, so lookups need no second index.
  await sql`CREATE TABLE sessions (
    id VARCHAR(64) PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    csrf_token_hash VARCHAR(64) NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
  )`.execute(db);
  await sql`CREATE INDEX idx_sessions_expires ON sessions(expires_at)`.execute(db);

  await sql`CREATE TABLE login_links (
    token_hash VARCHAR(64) PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE login_links`.execute(db);
  await sql`DROP TABLE sessions`.execute(db);
  await sql`ALTER TABLE api_tokens DROP COLUMN project_id`.execute(db);
}
