import { sql, type Kysely } from 'kysely';
import type { Database, JsonValue } from '../postgres/database.js';

/*
 * The chat's stored exchanges. A conversation is one user's questions in one organization about
 * one context (compared as JSONB, so key order does not matter); only its newest `keep` stay.
 */

export interface StoredExchange {
  id: string;
  orgId: string;
  userId: string;
  context: JsonValue;
  question: string;
  answer: string;
  engine: string;
  sources: string[];
}

export async function storeChatExchange(db: Kysely<Database>, exchange: StoredExchange, keep: number): Promise<void> {
  const context = JSON.stringify(exchange.context);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('ai_chat_messages')
      .values({
        id: exchange.id,
        org_id: exchange.orgId,
        user_id: exchange.userId,
        context,
        question: exchange.question,
        answer: exchange.answer,
        engine: exchange.engine,
        sources: JSON.stringify(exchange.sources),
      })
      .execute();
    const older = trx
      .selectFrom('ai_chat_messages')
      .select('id')
      .where('org_id', '=', exchange.orgId)
      .where('user_id', '=', exchange.userId)
      .where('context', '=', sql<JsonValue>`${context}::jsonb`)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .offset(keep);
    await trx.deleteFrom('ai_chat_messages').where('id', 'in', older).execute();
  });
}

/** The newest `limit` exchanges of a conversation, oldest first. */
export async function chatConversation(db: Kysely<Database>, conversation: { orgId: string; userId: string; context: JsonValue }, limit: number) {
  const rows = await db
    .selectFrom('ai_chat_messages')
    .selectAll()
    .where('org_id', '=', conversation.orgId)
    .where('user_id', '=', conversation.userId)
    .where('context', '=', sql<JsonValue>`${JSON.stringify(conversation.context)}::jsonb`)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse();
}
