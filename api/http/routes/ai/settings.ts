import type { FastifyPluginAsync } from 'fastify';
import { aiSettingsOf, lockAiSettings, saveAiSettings } from '../../../../db/queries/ai-settings.js';
import { recordAudit } from '../../../../control/audit.js';
import { ApiProblem } from '../../../../control/problem.js';
import type { Platform } from '../../../../control/platform.js';
import { aiSettingsResource } from '../../../../control/resources/ai-settings.js';
import { sealAiProviderKey } from '../../../../control/secrets/ai-provider-key.js';
import { defineRoute, registryRoute } from '../../routing.js';

/** The organization's model provider: read by any member, changed by owners, the key write-only. */
export const aiSettingsRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db, secrets } = platform;

  defineRoute(app, registryRoute('getAiSettings'), { permission: 'read' }, async ({ caller }) =>
    aiSettingsResource(await aiSettingsOf(db, caller.orgId)),
  );

  defineRoute(app, registryRoute('updateAiSettings'), { permission: 'ai.configure' }, async ({ body, caller, request }) => {
    const saved = await db.transaction().execute(async (trx) => {
      const current = await lockAiSettings(trx, caller.orgId);
      const next = {
        org_id: caller.orgId,
        enabled: body.enabled ?? current.enabled,
        base_url: body.base_url ?? current.base_url,
        model: body.model ?? current.model,
        api_key_encrypted:
          body.api_key === undefined ? current.api_key_encrypted : body.api_key === null ? null : sealAiProviderKey(secrets, caller.orgId, body.api_key),
        updated_by: caller.userId,
      };
      if (next.enabled && (!next.base_url || !next.model)) {
        throw new ApiProblem('UNPROCESSABLE', 'A provider is enabled with its base_url and model', {
          details: [
            ...(next.base_url ? [] : [{ path: 'body.base_url', message: 'required to enable the provider' }]),
            ...(next.model ? [] : [{ path: 'body.model', message: 'required to enable the provider' }]),
          ],
        });
      }
      const row = await saveAiSettings(trx, next);
      await recordAudit(trx, request, caller, {
        action: 'ai_settings.update',
        resourceType: 'organization',
        resourceId: caller.orgId,
        // Which fields changed, never the key itself.
        details: {
          enabled: { from: current.enabled, to: row.enabled },
          base_url: row.base_url,
          model: row.model,
          api_key: body.api_key === undefined ? 'unchanged' : body.api_key === null ? 'removed' : 'replaced',
        },
      });
      return row;
    });
    return aiSettingsResource(saved);
  });
};
