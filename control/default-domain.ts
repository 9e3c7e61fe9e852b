import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/postgres/database.js';
import { claimDefaultDomain, defaultDomainOf, dropDefaultDomainsOutside, servicesWithoutDefaultDomain } from '../db/queries/service-domains.js';
import { slugify } from './slug.js';

/*
 * Every service gets `<service>-<project>.<base>` under SYNTRA_BASE_DOMAIN, so it is reachable over
 * HTTPS before anyone buys a name: a wildcard DNS record `*.<base>` points at the server, and the
 * agent's Caddy orders each name's certificate on demand like any other domain. The name is fixed
 * when it is given: renaming the service or its project never moves an address people use.
 */

/* A DNS label is at most 63 characters. */
const maxLabelLength = 63;
/* Characters of the service id added when the plain name is taken (same names in two organizations). */
const suffixLength = 8;

const label = (text: string) => text.slice(0, maxLabelLength).replace(/-+$/, '');

export function defaultDomainCandidates(service: { id: string; name: string }, projectSlug: string, baseDomain: string): string[] {
  const plain = `${slugify(service.name, 'service')}-${projectSlug}`;
  const suffix = `-${service.id.replace(/-/g, '').slice(0, suffixLength)}`;
  return [label(plain), `${label(plain.slice(0, maxLabelLength - suffix.length))}${suffix}`].map((name) => `${name}.${baseDomain}`);
}

/** Gives the service its default domain unless it has one; the name it has, or null without a base domain. */
export async function assignDefaultDomain(
  db: Kysely<Database>,
  baseDomain: string | undefined,
  service: { id: string; name: string },
  projectSlug: string,
): Promise<string | null> {
  if (baseDomain === undefined) return null;
  const held = await defaultDomainOf(db, service.id);
  if (held) return held;
  for (const candidate of defaultDomainCandidates(service, projectSlug, baseDomain)) {
    if (await claimDefaultDomain(db, service.id, candidate)) return candidate;
  }
  // The id's suffix is taken only if someone chose that very name as their own domain.
  return null;
}

/**
 * At start: default domains follow the configured base. Those under another base (or all, when
 * none is set) are dropped, and services without one get it. A lock keeps two starting API
 * processes from doing it twice.
 */
export async function syncDefaultDomains(db: Kysely<Database>, baseDomain: string | undefined): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended('service_domains:defaults', 0))`.execute(trx);
    await dropDefaultDomainsOutside(trx, baseDomain);
    if (baseDomain === undefined) return;
    for (const service of await servicesWithoutDefaultDomain(trx)) await assignDefaultDomain(trx, baseDomain, service, service.project_slug);
  });
}
