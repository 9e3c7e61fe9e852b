import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../postgres/database.js';

/**
 * `new`: never seen; `stored`: already written whole (a resend after a lost ack);
 * `interrupted`: an earlier attempt began and never finished, so some of its rows may be stored;
 * `busy`: another process is writing it now (its agent moved to this process meanwhile).
 */
export type BatchState = 'new' | 'stored' | 'interrupted' | 'busy';

/**
 * A claim by another ingest younger than this is taken for a write in progress; older, for a
 * process that died mid-write. A batch's write takes well under a second.
 */
export const batchClaimLeaseSeconds = 60;

/**
 * Claims a batch for `claimant` (one ingest, i.e. one API process). An unfinished claim is taken
 * over when it is the claimant's own (its earlier attempt ended: one process never writes one
 * batch twice at once), of unknown origin, or older than the lease.
 */
export async function claimBatch(db: Kysely<Database>, serverId: string, batchId: string, claimant: string | null = null): Promise<BatchState> {
  const claimed = await db
    .insertInto('telemetry_batches')
    .values({ server_id: serverId, batch_id: batchId, claimed_by: claimant, claimed_at: sql<Date>`NOW()` })
    .onConflict((conflict) =>
      conflict
        .columns(['server_id', 'batch_id'])
        .doUpdateSet({ claimed_by: claimant, claimed_at: sql<Date>`NOW()` })
        .where('telemetry_batches.stored_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('telemetry_batches.claimed_by', 'is', null),
            eb('telemetry_batches.claimed_by', '=', claimant),
            eb('telemetry_batches.claimed_at', '<', sql<Date>`NOW() - make_interval(secs => ${batchClaimLeaseSeconds})`),
          ]),
        ),
    )
    // xmax is 0 on a row this statement inserted, and set on one it updated.
    .returning(sql<boolean>`xmax = 0`.as('inserted'))
    .executeTakeFirst();
  if (claimed) return claimed.inserted ? 'new' : 'interrupted';
  const row = await db
    .selectFrom('telemetry_batches')
    .select('stored_at')
    .where('server_id', '=', serverId)
    .where('batch_id', '=', batchId)
    .executeTakeFirstOrThrow();
  return row.stored_at === null ? 'busy' : 'stored';
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
