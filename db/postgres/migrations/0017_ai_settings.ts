import { type Kysely, sql } from 'kysely';

/**
 * An organization's model provider for the AI endpoints (issue 21): an OpenAI-compatible base URL,
 * a model and an API key sealed under the master key like env secrets. Off until an owner turns
 * it on; an organization without a row uses only the built-in engine.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE ai_settings (
    org_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    base_url TEXT,
    model VARCHAR(255),
    api_key_encrypted BYTEA,
    updated_by UUID REFERENCES users(id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT ai_settings_enabled_complete CHECK (NOT enabled OR (base_url IS NOT NULL AND model IS NOT NULL))
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE ai_settings`.execute(db);
}
