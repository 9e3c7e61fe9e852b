import type { Kysely } from 'kysely';
import { AiEngine, type ChatHistoryEntry, type ChatRequest } from '../../contracts/index.js';
import { chatConversation, storeChatExchange } from '../../db/queries/ai-chat-messages.js';
import type { Database } from '../../db/postgres/database.js';
import type { Caller } from '../caller.js';

/*
 * The chat panel's conversation, kept so a reload shows it again: each question answered to its
 * `done` event, per user, organization and context. The model never sees it (each question is
 * answered alone, as the contract's request carries no conversation); it is the user's own record.
 */

const keptPerConversation = 50;
const shownPerConversation = 20;

/** The context as stored and compared: only the ids it names. */
function conversationOf(context: ChatRequest['context']) {
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
}

export async function rememberExchange(
  db: Kysely<Database>,
  caller: Pick<Caller, 'orgId' | 'userId'>,
  context: ChatRequest['context'],
  exchange: { messageId: string; question: string; answer: string; engine: AiEngine; sources: string[] },
): Promise<void> {
  await storeChatExchange(
    db,
    { id: exchange.messageId, orgId: caller.orgId, userId: caller.userId, context: conversationOf(context), question: exchange.question, answer: exchange.answer, engine: exchange.engine, sources: exchange.sources },
    keptPerConversation,
  );
}

export async function chatHistory(db: Kysely<Database>, caller: Pick<Caller, 'orgId' | 'userId'>, context: ChatRequest['context']): Promise<ChatHistoryEntry[]> {
  const rows = await chatConversation(db, { orgId: caller.orgId, userId: caller.userId, context: conversationOf(context) }, shownPerConversation);
  return rows.map((row) => ({
    message_id: row.id,
    question: row.question,
    answer: row.answer,
    engine: AiEngine.parse(row.engine),
    sources: row.sources as string[],
    created_at: row.created_at.toISOString(),
  }));
}
