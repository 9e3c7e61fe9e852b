import type { Kysely } from 'kysely';
import type { Database } from '../../db/postgres/database.js';
import { certificateIncidentsOutlived, certificatesExpiringBefore, openCertificateIncident } from '../../db/queries/certificate-incidents.js';
import { resolveIncident, rulesWatchingServer } from '../../db/queries/telemetry-alerts.js';

/*
 * Renewal watched: Caddy renews a certificate a third of its lifetime before it expires (30 days
 * for Let's Encrypt's 90), so one still active under 14 days from its end means renewal has been
 * failing for two weeks. That opens an incident on each active `downtime` rule watching the
 * service (an expired certificate takes the site down for browsers, and those rules are what the
 * agent's own alerts use), once per certificate; it resolves when the agent reports a later expiry.
 */
export const certificateExpiryWarningDays = 14;

const dayMs = 86_400_000;

export interface OpenedCertificateIncident {
  /** The organization of the rule the incident was opened on. */
  orgId: string;
  opened: { id: string; fired_at: Date };
  message: string;
  services: { id: string; name: string }[];
}

/** One round: incidents for certificates newly under the warning, then renewed ones resolved. */
export async function watchCertificateExpiry(db: Kysely<Database>, now: Date): Promise<OpenedCertificateIncident[]> {
  const opened: OpenedCertificateIncident[] = [];
  for (const certificate of await certificatesExpiringBefore(db, new Date(now.getTime() + certificateExpiryWarningDays * dayMs))) {
    const expiresAt = certificate.expires_at!;
    const days = Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / dayMs));
    const when = expiresAt.getTime() <= now.getTime() ? `expired on ${expiresAt.toISOString()}` : `expires on ${expiresAt.toISOString()} (in ${days} days)`;
    for (const { rule, server, services } of await rulesWatchingServer(db, 'downtime', certificate.server_id, certificate.service_id)) {
      const message = `${rule.name}: the certificate of ${certificate.domain} ${when} and was not renewed`;
      const incident = await openCertificateIncident(db, rule.id, { domain: certificate.domain, expiresAt: expiresAt.toISOString() }, message, { server, services });
      if (incident) opened.push({ orgId: rule.org_id, opened: incident, message, services });
    }
  }
  for (const incident of await certificateIncidentsOutlived(db)) await resolveIncident(db, incident.id);
  return opened;
}
