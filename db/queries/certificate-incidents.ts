import { type Kysely, sql } from 'kysely';
import type { AlertIncidentRow, Database } from '../postgres/database.js';

/*
 * Incidents about certificates near their expiry (api/alerting/certificate-expiry.ts). Each names
 * its certificate in `details` (`source: 'certificate'`, the domain and the expiry it was raised
 * for), which is what makes it once per certificate: a renewed certificate has another expiry.
 */

const detail = (key: string) => sql<string>`alert_incidents.details->>${key}`;

/** Active certificates (of any organization) expiring before `before`, with their service and its server. */
export async function certificatesExpiringBefore(db: Kysely<Database>, before: Date) {
  return db
    .selectFrom('service_domains')
    .innerJoin('services', 'services.id', 'service_domains.service_id')
    .select(['service_domains.domain', 'service_domains.expires_at', 'services.id as service_id', 'services.name as service_name', 'services.server_id'])
    .where('service_domains.status', '=', 'active')
    .where('service_domains.expires_at', '<', before)
    .orderBy('service_domains.domain')
    .execute();
}

/**
 * Opens the rule's incident for one certificate unless it already had one (open or not: a person
 * who resolved it has seen it); the incident when this call opened it, else null. A lock per rule
 * and domain makes two API processes open one.
 */
export async function openCertificateIncident(
  db: Kysely<Database>,
  alertId: string,
  certificate: { domain: string; expiresAt: string },
  message: string,
  details: Record<string, unknown>,
): Promise<{ id: string; fired_at: Date } | null> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`alert_incidents:${alertId}:certificate:${certificate.domain}`}, 0))`.execute(trx);
    const raised = await trx
      .selectFrom('alert_incidents')
      .select('id')
      .where('alert_id', '=', alertId)
      .where(detail('source'), '=', 'certificate')
      .where(detail('domain'), '=', certificate.domain)
      .where(detail('expires_at'), '=', certificate.expiresAt)
      .executeTakeFirst();
    if (raised) return null;
    const values = { alert_id: alertId, message, details: JSON.stringify({ ...details, source: 'certificate', domain: certificate.domain, expires_at: certificate.expiresAt }) };
    return trx.insertInto('alert_incidents').values(values).returning(['id', 'fired_at']).executeTakeFirstOrThrow();
  });
}

/** Open certificate incidents whose certificate was replaced (another expiry reported) or whose domain is gone. */
export async function certificateIncidentsOutlived(db: Kysely<Database>): Promise<AlertIncidentRow[]> {
  return db
    .selectFrom('alert_incidents')
    .leftJoin('service_domains', (join) => join.on('service_domains.domain', '=', detail('domain')))
    .selectAll('alert_incidents')
    .where('alert_incidents.status', 'in', ['firing', 'acknowledged'])
    .where(detail('source'), '=', 'certificate')
    .where((eb) =>
      eb.or([
        eb('service_domains.domain', 'is', null),
        // An order failing reports no expiry: the old certificate is still the one about to expire.
        eb.and([eb('service_domains.expires_at', 'is not', null), eb('service_domains.expires_at', '>', sql<Date>`(${detail('expires_at')})::timestamptz`)]),
      ]),
    )
    .execute();
}
