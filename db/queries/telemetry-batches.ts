import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../postgres/database.js';

/**
 * `new`: never seen; `stored`: already written whole (a resend after a lost ack);
 * `interrupted`: an earlier attempt began and never finished, so some of its rows may be stored.
 */
export type BatchState = 'new' | 'stored' | 'interrupted';

export async function claimBatch(db: Kysely<Database>, serverId: string, batchId: string): Promise<BatchState> {
  const inserted = await db
    .insertInto('telemetry_batches')
    .values({ server_id: serverId, batch_id: batchId })
    .onConflict((conflict) => conflict.columns(['server_id', 'batch_id']).doNothing())
    .returning('batch_id')
    .executeTakeFirst();
  if (inserted) return 'new';
  const row = await db
    .selectFrom('telemetry_batches')
    .select('stored_at')
    .where('server_id', '=', serverId)
    .where('batch_id', '=', batchId)
    .executeTakeFirstOrThrow();
  return row.stored_at === null ? 'interrupted' : 'stored';
}

export async function markBatchStored(db: Kysely<Database> | Transaction<Database>, serverId: string, batchId: string): Promise<void> {
  await db
    .updateTable('telemetry_batches')
    .set({ stored_at: sql<Date>`NOW()` })
    .where('server_id', '=', serverId)
    .where('batch_id', '=', batchId)
    .execute();
}

/** Forgets batches older than the retention; returns how many. */
export async function pruneBatches(db: Kysely<Database>, retentionHours: number): Promise<number> {
  const result = await db
    .deleteFrom('telemetry_batches')
    .where('received_at', '<', sql<Date>`NOW() - make_interval(hours => ${retentionHours})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
