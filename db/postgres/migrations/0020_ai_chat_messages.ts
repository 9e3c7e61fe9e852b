import { type Kysely, sql } from 'kysely';

/**
 * The chat's answered questions (issue 21), per user, organization and context (the service,
 * project or issue the panel is about), so the chat panel shows the conversation again after a
 * reload. `id` is the `message_id` of the answer's `done` event. Only the newest exchanges of each
 * user and context are kept (control/ai/chat-history.ts prunes).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE ai_chat_messages (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    context JSONB NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    engine VARCHAR(20) NOT NULL,
    sources JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
  )`.execute(db);
  await sql`CREATE INDEX idx_ai_chat_messages_user ON ai_chat_messages (org_id, user_id, created_at DESC)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE ai_chat_messages`.execute(db);
}
