import type { FastifyPluginAsync } from 'fastify';
import { lockAcmeSettings, saveAcmeSettings, acmeSettingsOf } from '../../../db/queries/acme-settings.js';
import { recordAudit } from '../../../control/audit.js';
import type { Platform } from '../../../control/platform.js';
import { acmeSettingsResource } from '../../../control/resources/acme-settings.js';
import { defineRoute, registryRoute } from '../routing.js';

/*
 * The organization's ACME directory and account email: read by any member, changed by those who
 * manage servers (`server.update`), since it decides where every server's certificates come from.
 */
export const acmeSettingsRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;

  defineRoute(app, registryRoute('getAcmeSettings'), { permission: 'read' }, async ({ caller }) => acmeSettingsResource(await acmeSettingsOf(db, caller.orgId)));

  defineRoute(app, registryRoute('updateAcmeSettings'), { permission: 'server.update' }, async ({ body, caller, request }) => {
    const saved = await db.transaction().execute(async (trx) => {
      const current = acmeSettingsResource(await lockAcmeSettings(trx, caller.orgId));
      const row = await saveAcmeSettings(trx, {
        org_id: caller.orgId,
        directory_url: body.directory_url ?? current.directory_url,
        email: body.email === undefined ? current.email : body.email,
        updated_by: caller.userId,
      });
      await recordAudit(trx, request, caller, {
        action: 'acme_settings.update',
        resourceType: 'organization',
        resourceId: caller.orgId,
        details: { directory_url: { from: current.directory_url, to: row.directory_url }, email: { from: current.email, to: row.email } },
      });
      return row;
    });
    return acmeSettingsResource(saved);
  });
};
