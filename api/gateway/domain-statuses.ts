import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/postgres/database.js';
import { recordDomainStatuses } from '../../db/queries/service-domains.js';
import type { AgentEvents } from './events.js';

/**
 * Each heartbeat carries the certificate state of the domains its agent's proxy routes; it
 * becomes the domains' status in the API. Nothing waits for it: a failed write is one stale
 * status until the next heartbeat, logged.
 */
export function recordAgentDomainStatuses(events: AgentEvents, db: Kysely<Database>, log: FastifyBaseLogger): void {
  events.on('heartbeat', (serverId, heartbeat) => {
    if (!heartbeat.domains?.length) return;
    recordDomainStatuses(db, serverId, heartbeat.domains).catch((error: unknown) => log.warn({ err: error, serverId }, 'could not store domain statuses'));
  });
}
