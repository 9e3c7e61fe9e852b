import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AlertPayload } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';
import { recordServerProblem } from '../../db/queries/server-presence.js';
import type { AgentEvents } from './events.js';

/*
 * An agent marks an alert `standing` when it holds until the agent restarts (containers cannot
 * reach its telemetry receiver): unlike a crash or a full spool it is no event but a state of the
 * server, so it is kept on the server row for its page, not only sent to alert rules.
 */
const StandingProblem = z.object({ resource: z.string().min(1).max(100), standing: z.literal(true) });

export function keepStandingProblems(events: AgentEvents, db: Kysely<Database>, log: Logger): void {
  events.on('alert', (serverId: string, alert: AlertPayload) => {
    const standing = StandingProblem.safeParse(alert.metadata);
    if (alert.service_id !== undefined || !standing.success) return;
    const problem = { resource: standing.data.resource, severity: alert.severity, title: alert.title, message: alert.message, since: alert.timestamp };
    recordServerProblem(db, serverId, problem).catch((error: unknown) => log.error({ err: error, serverId }, 'could not record a server problem'));
  });
}
