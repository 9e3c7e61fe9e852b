import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyBaseLogger } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { BuildProgressPayload } from '../../contracts/index.js';
import { insertBuildLines } from '../../db/clickhouse/build-logs.js';
import type { Database } from '../../db/postgres/database.js';
import { markPushing, recordBuildCommit } from '../../db/queries/builds.js';
import { recordStatusChange } from '../../db/queries/deployment-events.js';
import type { AgentEvents } from '../gateway/events.js';

/*
 * What an agent reports while it builds: log lines go to ClickHouse (`build_logs`), then a NOTIFY
 * on `build_logs` lets every API process send them to the deployment's live rooms (api/live/);
 * the commit is recorded as soon as the checkout knows it, and the move to `pushing` is a status
 * change like any other. Only a deployment the reporting server builds (a build server, or the
 * service's own) is taken, so one agent cannot write into another's builds. Reports of one server are handled in arrival order.
 */

export const buildLogsChannel = 'build_logs';

export function storeBuildProgress(events: AgentEvents, db: Kysely<Database>, clickhouse: ClickHouseClient, log: FastifyBaseLogger): { settled: () => Promise<void> } {
  const queues = new Map<string, Promise<void>>();
  const commitsRecorded = new Set<string>();

  const handle = async (serverId: string, progress: BuildProgressPayload) => {
    const owned = await db
      .selectFrom('deployments')
      .innerJoin('services', 'services.id', 'deployments.service_id')
      .select(['deployments.id', 'deployments.service_id', 'deployments.status'])
      .where('deployments.id', '=', progress.deployment_id)
      .where((eb) => eb(eb.fn.coalesce('deployments.build_server_id', 'services.server_id'), '=', serverId))
      .executeTakeFirst();
    if (!owned) return log.warn({ serverId, deploymentId: progress.deployment_id }, 'build progress for a deployment this server does not build; dropped');
    const target = { deploymentId: owned.id, serviceId: owned.service_id };
    await insertBuildLines(clickhouse, target, progress.first_line, progress.lines);
    if (progress.commit && !commitsRecorded.has(owned.id)) {
      await recordBuildCommit(db, owned.id, progress.commit);
      commitsRecorded.add(owned.id);
    }
    if (progress.phase === 'pushing' && owned.status === 'building') {
      await db.transaction().execute(async (trx) => {
        if (await markPushing(trx, owned.id)) await recordStatusChange(trx, { deploymentId: owned.id, status: 'pushing', message: 'Pushing the image to the registry' });
      });
    }
    if (progress.lines.length > 0) {
      const notice = { deployment_id: owned.id, service_id: owned.service_id, first_line: progress.first_line, count: progress.lines.length };
      await sql`SELECT pg_notify(${buildLogsChannel}, ${JSON.stringify(notice)})`.execute(db);
    }
  };

  events.on('build_progress', (serverId, progress) => {
    const next = (queues.get(serverId) ?? Promise.resolve())
      .then(() => handle(serverId, progress))
      .catch((error: unknown) => log.warn({ err: error, serverId }, 'could not store build progress'));
    queues.set(serverId, next);
    void next.then(() => queues.get(serverId) === next && queues.delete(serverId));
  });
  return { settled: async () => void (await Promise.allSettled([...queues.values()])) };
}
