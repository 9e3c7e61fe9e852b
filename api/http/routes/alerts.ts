import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { AlertChannelInput, AlertIncident, AlertTestResult, CreateAlertRule } from '../../../contracts/index.js';
import type { AlertUpdate, Database, JsonValue } from '../../../db/postgres/database.js';
import { alertRuleById, deleteAlertRule, insertAlertRule, listAlertRules, updateAlertRule } from '../../../db/queries/alerts.js';
import { projectById } from '../../../db/queries/projects.js';
import type { Scope } from '../../../db/queries/scope.js';
import { scopedService } from '../../../db/queries/service-scope.js';
import { sealChannels, StoredAlertChannels } from '../../../control/alert-channels.js';
import { deliver } from '../../alerting/notifiers.js';
import { alertRuleResource } from '../../../control/resources/alert.js';
import { recordAudit } from '../../../control/audit.js';
import { scopeOf } from '../../../control/caller.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { defineRoute, registryRoute, WithMeta } from '../routing.js';

const notFound = (alertId: string) => new ApiProblem('NOT_FOUND', `No alert rule ${alertId} in this organization`);

/** The project and service a new rule watches, both within the caller's reach. */
async function ruleTarget(db: Kysely<Database>, scope: Scope, body: CreateAlertRule) {
  if (body.service_id) {
    const service = await scopedService(db, scope, body.service_id);
    if (!service) throw new ApiProblem('UNPROCESSABLE', `No service ${body.service_id} in this organization`, { details: [{ path: 'body.service_id', message: 'not found' }] });
    return { project_id: service.project_id, service_id: service.id };
  }
  const project = body.project_id ? await projectById(db, scope, body.project_id) : undefined;
  if (!project) throw new ApiProblem('UNPROCESSABLE', `No project ${body.project_id} in this organization`, { details: [{ path: 'body.project_id', message: 'not found' }] });
  return { project_id: project.id, service_id: null };
}

/** What the audit log keeps of channels: where they deliver, never their credentials. */
const channelSummary = (channels: readonly AlertChannelInput[]): JsonValue =>
  channels.map((channel) => ({ type: channel.type, ...(channel.type === 'webhook' ? { url: channel.url } : {}), ...(channel.type === 'email' ? { to: channel.to } : {}) }));

/** Alert rules: what to watch and whom to tell. Evaluating them is the ingest side's work. */
export const alertRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db, secrets } = platform;

  defineRoute(app, registryRoute('listAlertRules'), { permission: 'read' }, async ({ query, caller }) => {
    const page = await listAlertRules(db, scopeOf(caller), {
      page: query.page,
      perPage: query.per_page,
      projectId: query.project_id,
      serviceId: query.service_id,
      type: query.type,
    });
    return new WithMeta(page.rows.map(alertRuleResource), { total: page.total, page: query.page, per_page: query.per_page });
  });

  defineRoute(app, registryRoute('createAlertRule'), { permission: 'alerts.manage' }, async ({ body, caller, request }) => {
    const target = await ruleTarget(db, scopeOf(caller), body);
    const id = randomUUID();
    const rule = await db.transaction().execute(async (trx) => {
      const row = await insertAlertRule(trx, {
        id,
        org_id: caller.orgId,
        ...target,
        name: body.name,
        type: body.condition.type,
        condition: JSON.stringify(body.condition),
        channels: JSON.stringify(sealChannels(secrets, id, body.channels)),
        ...(body.is_active === undefined ? {} : { is_active: body.is_active }),
      });
      await recordAudit(trx, request, caller, {
        action: 'alert.create',
        resourceType: 'alert',
        resourceId: id,
        details: { name: body.name, ...target, condition: body.condition, channels: channelSummary(body.channels) },
      });
      return row;
    });
    return alertRuleResource(rule);
  });

  defineRoute(app, registryRoute('getAlertRule'), { permission: 'read' }, async ({ params, caller }) => {
    const rule = await alertRuleById(db, scopeOf(caller), params.alertId);
    if (!rule) throw notFound(params.alertId);
    return alertRuleResource(rule);
  });

  defineRoute(app, registryRoute('updateAlertRule'), { permission: 'alerts.manage' }, async ({ params, body, caller, request }) => {
    const rule = await db.transaction().execute(async (trx) => {
      const current = await alertRuleById(trx, scopeOf(caller), params.alertId, { forUpdate: true });
      if (!current) throw notFound(params.alertId);
      const change: AlertUpdate = {};
      if (body.name !== undefined) change.name = body.name;
      if (body.is_active !== undefined) change.is_active = body.is_active;
      if (body.condition) Object.assign(change, { type: body.condition.type, condition: JSON.stringify(body.condition) });
      if (body.channels) {
        const sealed = sealChannels(secrets, current.id, body.channels, StoredAlertChannels.parse(current.channels));
        change.channels = JSON.stringify(sealed);
      }
      const row = Object.keys(change).length === 0 ? current : await updateAlertRule(trx, current.id, change);
      const { channels, ...plain } = body;
      await recordAudit(trx, request, caller, {
        action: 'alert.update',
        resourceType: 'alert',
        resourceId: current.id,
        details: { changes: { ...plain, ...(channels ? { channels: channelSummary(channels) } : {}) } },
      });
      return row;
    });
    return alertRuleResource(rule);
  });

  defineRoute(app, registryRoute('deleteAlertRule'), { permission: 'alerts.manage' }, async ({ params, caller, request }) => {
    await db.transaction().execute(async (trx) => {
      const deleted = await deleteAlertRule(trx, scopeOf(caller), params.alertId);
      if (!deleted) throw notFound(params.alertId);
      await recordAudit(trx, request, caller, { action: 'alert.delete', resourceType: 'alert', resourceId: params.alertId, details: { name: deleted.name } });
    });
  });

  defineRoute(app, registryRoute('testAlertRule'), { permission: 'alerts.manage' }, async ({ params, caller, request }) => {
    const rule = await alertRuleById(db, scopeOf(caller), params.alertId);
    if (!rule) throw notFound(params.alertId);
    // A notice about no stored incident: receivers see the rule's real shape, marked as a test.
    const incident: AlertIncident = {
      id: randomUUID(),
      alert_id: rule.id,
      status: 'firing',
      message: `Test notification for the rule “${rule.name}”`,
      details: { test: true },
      ai_summary: null,
      fired_at: new Date().toISOString(),
      resolved_at: null,
      acknowledged_by: null,
      acknowledged_at: null,
    };
    const results: AlertTestResult['channels'] = await Promise.all(
      StoredAlertChannels.parse(rule.channels).map(async (channel) => {
        try {
          await deliver(secrets, channel, { kind: 'test', rule, incident });
          return { id: channel.id, type: channel.type, delivered: true, error: null };
        } catch (error) {
          return { id: channel.id, type: channel.type, delivered: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    await recordAudit(db, request, caller, {
      action: 'alert.test',
      resourceType: 'alert',
      resourceId: rule.id,
      details: { channels: results.map(({ id, type, delivered }) => ({ id, type, delivered })) },
    });
    return { channels: results };
  });
};
