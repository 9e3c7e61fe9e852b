import type { Kysely } from 'kysely';
import type { Database } from '../../db/postgres/database.js';
import { incidentContext, storeIncidentSummary } from '../../db/queries/ai-context.js';
import { summarizeIncident } from './builtin/incident-summary.js';

/*
 * `alert_incidents.ai_summary`, written when an incident opens. Always the built-in engine: the
 * evaluator runs unattended, and an organization's model is asked only when a person asks.
 */

const issueWindowMs = 60 * 60 * 1000;
const issuesPerService = 3;

export async function writeIncidentSummary(
  db: Kysely<Database>,
  incident: { id: string; message: string; firedAt: Date; serviceIds: string[] },
): Promise<string> {
  const services = await incidentContext(db, incident.serviceIds, new Date(incident.firedAt.getTime() - issueWindowMs), issuesPerService);
  const summary = summarizeIncident({ message: incident.message, firedAt: incident.firedAt, services });
  await storeIncidentSummary(db, incident.id, summary);
  return summary;
}
