import type { FastifyPluginAsync } from 'fastify';
import { type LogPosition, searchLogs } from '../../../../db/clickhouse/logs.js';
import { scopedService } from '../../../../db/queries/service-scope.js';
import { scopeOf } from '../../../../control/caller.js';
import { ApiProblem } from '../../../../control/problem.js';
import type { Platform } from '../../../../control/platform.js';
import { defineRoute, registryRoute, WithMeta } from '../../routing.js';
import { invalidQuery, timeRange } from './time-range.js';

/* The cursor is opaque to clients: base64url of "<unix nanoseconds>.<lines of that nanosecond already shown>". */

function encodeCursor(position: LogPosition): string {
  return Buffer.from(`${position.nanos}.${position.skip}`).toString('base64url');
}

function decodeCursor(cursor: string): LogPosition {
  const match = /^(\d{1,20})\.(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw invalidQuery({ path: 'query.cursor', message: 'not a cursor this endpoint gave out' });
  return { nanos: match[1]!, skip: Number(match[2]) };
}

/** A service's logs from ClickHouse, newest first, a page at a time. */
export const logRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db, clickhouse } = platform;

  defineRoute(app, registryRoute('getServiceLogs'), { permission: 'read' }, async ({ params, query, caller }) => {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const service = await scopedService(db, scopeOf(caller), params.serviceId);
    if (!service) throw new ApiProblem('NOT_FOUND', `No service ${params.serviceId} in this organization`);
    const page = await searchLogs(clickhouse.client, {
      serviceId: service.id,
      ...timeRange(query),
      ...(query.level ? { minLevel: query.level } : {}),
      ...(query.search ? { text: query.search } : {}),
      ...(query.trace_id ? { traceId: query.trace_id } : {}),
      ...(after ? { after } : {}),
      limit: query.limit,
    });
    return new WithMeta(page.entries, page.next ? { cursor: encodeCursor(page.next) } : {});
  });
};
