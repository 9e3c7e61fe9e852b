import type { FastifyPluginAsync } from 'fastify';
import { acknowledgeIncident, incidentById, listIncidents } from '../../../db/queries/alerts.js';
import { incidentResource } from '../../../control/resources/alert.js';
import { recordAudit } from '../../../control/audit.js';
import { scopeOf } from '../../../control/caller.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { defineRoute, registryRoute, WithMeta } from '../routing.js';

const notFound = (incidentId: string) => new ApiProblem('NOT_FOUND', `No incident ${incidentId} in this organization`);

/** Incidents the alert rules opened; people acknowledge them, evaluation resolves them. */
export const incidentRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;

  defineRoute(app, registryRoute('listIncidents'), { permission: 'read' }, async ({ query, caller }) => {
    const page = await listIncidents(db, scopeOf(caller), { page: query.page, perPage: query.per_page, status: query.status, alertId: query.alert_id });
    return new WithMeta(page.rows.map(incidentResource), { total: page.total, page: query.page, per_page: query.per_page });
  });

  defineRoute(app, registryRoute('getIncident'), { permission: 'read' }, async ({ params, caller }) => {
    const incident = await incidentById(db, scopeOf(caller), params.incidentId);
    if (!incident) throw notFound(params.incidentId);
    return incidentResource(incident);
  });

  defineRoute(app, registryRoute('acknowledgeIncident'), { permission: 'alerts.manage' }, async ({ params, caller, request }) => {
    const acknowledged = await db.transaction().execute(async (trx) => {
      const incident = await incidentById(trx, scopeOf(caller), params.incidentId);
      if (!incident) throw notFound(params.incidentId);
      const row = await acknowledgeIncident(trx, incident.id, caller.userId);
      if (!row) {
        throw new ApiProblem('CONFLICT', `Incident ${incident.id} is ${incident.status}; only a firing incident can be acknowledged`, {
          details: { status: incident.status },
        });
      }
      await recordAudit(trx, request, caller, { action: 'incident.acknowledge', resourceType: 'alert_incident', resourceId: incident.id, details: { alert_id: incident.alert_id } });
      return row;
    });
    return incidentResource(acknowledged);
  });
};
