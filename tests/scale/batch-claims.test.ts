import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/postgres/connection.js';
import { migrateToLatest } from '../../db/postgres/migrate.js';
import { claimBatch, markBatchStored } from '../../db/queries/telemetry-batches.js';
import { createOrganization, createServer } from '../support/fixtures.js';
import { freshDatabaseUrl } from '../support/postgres.js';

/*
 * Two API processes may get the same telemetry batch: the agent resends what the first did not
 * acknowledge to the second, possibly while the first still writes it. Only one writes at a time.
 */

let database: Awaited<ReturnType<typeof freshDatabaseUrl>>;
let db: ReturnType<typeof createDb>;
let serverId: string;

beforeAll(async () => {
  database = await freshDatabaseUrl('batch_claims');
  db = createDb(database.url);
  await migrateToLatest(db);
  const { org } = await createOrganization(db, 'claims');
  serverId = (await createServer(db, org.id, 'claims')).server.id;
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe('claims on a telemetry batch', () => {
  it("refuses another process's fresh claim, takes over its own, a stale one, and never a stored batch", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const batchId = randomUUID();
    expect(await claimBatch(db, serverId, batchId, a)).toBe('new');
    expect(await claimBatch(db, serverId, batchId, b)).toBe('busy');
    // A's earlier attempt ended (A never runs one batch twice at once): A completes it.
    expect(await claimBatch(db, serverId, batchId, a)).toBe('interrupted');
    expect(await claimBatch(db, serverId, batchId, b)).toBe('busy');
    // A died mid-write: once the claim is older than the lease, B takes the batch over.
    await db.updateTable('telemetry_batches').set({ claimed_at: sql<Date>`NOW() - interval '61 seconds'` }).where('batch_id', '=', batchId).execute();
    expect(await claimBatch(db, serverId, batchId, b)).toBe('interrupted');
    expect(await claimBatch(db, serverId, batchId, a)).toBe('busy');
    await markBatchStored(db, serverId, batchId);
    expect(await claimBatch(db, serverId, batchId, a)).toBe('stored');
    expect(await claimBatch(db, serverId, batchId, b)).toBe('stored');
  });
});
