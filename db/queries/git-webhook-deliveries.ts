import type { Kysely } from 'kysely';
import type { Database } from '../postgres/database.js';

/* The push deliveries a project acted on, so a replay of one is ignored (control/webhooks/). */

export async function deliverySeen(db: Kysely<Database>, projectId: string, deliveryId: string): Promise<boolean> {
  const row = await db
    .selectFrom('git_webhook_deliveries')
    .select('delivery_id')
    .where('project_id', '=', projectId)
    .where('delivery_id', '=', deliveryId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function recordDelivery(db: Kysely<Database>, projectId: string, deliveryId: string): Promise<void> {
  await db
    .insertInto('git_webhook_deliveries')
    .values({ project_id: projectId, delivery_id: deliveryId })
    .onConflict((conflict) => conflict.columns(['project_id', 'delivery_id']).doNothing())
    .execute();
}
