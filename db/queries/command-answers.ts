import type { Kysely } from 'kysely';
import type { Database, JsonValue } from '../postgres/database.js';

/*
 * What a caller waiting on one command's answer does with its outbox row (the writes of the
 * outbox itself are in agent-commands.ts).
 */

/**
 * Gives up on a command not answered yet: pending, it is never delivered; sent, its late answer
 * is not recorded (recordCommandResponse matches only pending and sent rows). False when the
 * answer came first.
 */
export async function abandonUnansweredCommand(db: Kysely<Database>, requestId: string): Promise<boolean> {
  const row = await db
    .updateTable('agent_commands')
    .set({ status: 'expired' })
    .where('request_id', '=', requestId)
    .where('status', 'in', ['pending', 'sent'])
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Replaces a recorded answer with what is worth keeping once its caller has it (an exec's output is not). */
export async function condenseCommandResponse(db: Kysely<Database>, requestId: string, kept: JsonValue): Promise<void> {
  await db.updateTable('agent_commands').set({ response: JSON.stringify(kept) }).where('request_id', '=', requestId).where('status', '=', 'answered').execute();
}
