import { type Kysely, sql } from 'kysely';

/**
 * `deployment_events.report_id`: the envelope id of the agent's `deploy_status` an event records.
 * From protocol 1.3 an agent sends a report again until the control plane acknowledges it, so a
 * report whose process died before the acknowledgement arrives twice, perhaps at another process;
 * the unique id makes the second a no-op. Events of the control plane have none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE deployment_events ADD COLUMN report_id UUID UNIQUE`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE deployment_events DROP COLUMN report_id`.execute(db);
}
