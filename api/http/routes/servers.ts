import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { enqueueAgentCommand } from '../../../db/queries/agent-commands.js';
import { deleteServer, insertServer, listServers, serverById, updateServer } from '../../../db/queries/servers.js';
import { recordAudit } from '../../../control/audit.js';
import { scopeOf } from '../../../control/caller.js';
import { issueToken } from '../../../contracts/tokens.js';
import type { AgentReleaseStore } from '../agent-release/store.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { serverResource } from '../../../control/resources/server.js';
import { defineRoute, registryRoute, WithMeta } from '../routing.js';

/**
 * What a user runs on a new server: this control plane's install script, which fetches the
 * agent's release bundle, checks it and starts `syntra agent --url … --token …`.
 */
export function agentInstallCommand(publicUrl: string, agentToken: string): string {
  return `curl -fsSL ${publicUrl}/agent/install.sh | sh -s -- --url ${publicUrl} --token ${agentToken}`;
}

const notFound = (serverId: string) => new ApiProblem('NOT_FOUND', `No server ${serverId} in this organization`);

/** Servers: the machines that run agents. Registering one mints its agent token, shown once. */
export const serverRoutes: FastifyPluginAsync<{ platform: Platform; releases: AgentReleaseStore }> = async (app, { platform, releases }) => {
  const { db, config } = platform;

  defineRoute(app, registryRoute('listServers'), { permission: 'read' }, async ({ query, caller }) => {
    const status = query.status === 'all' ? undefined : query.status;
    const page = await listServers(db, scopeOf(caller), { page: query.page, perPage: query.per_page, status });
    return new WithMeta(page.rows.map(serverResource), { total: page.total, page: query.page, per_page: query.per_page });
  });

  defineRoute(app, registryRoute('getServer'), { permission: 'read' }, async ({ params, caller }) => {
    const server = await serverById(db, scopeOf(caller), params.serverId);
    if (!server) throw notFound(params.serverId);
    return serverResource(server);
  });

  defineRoute(app, registryRoute('createServer'), { permission: 'server.create' }, async ({ body, caller, request }) => {
    const agentToken = issueToken('agt');
    const server = await db.transaction().execute(async (trx) => {
      const row = await insertServer(trx, {
        org_id: caller.orgId,
        name: body.name,
        agent_token_hash: agentToken.hash,
        ...(body.tags ? { tags: body.tags } : {}),
      });
      await recordAudit(trx, request, caller, {
        action: 'server.create',
        resourceType: 'server',
        resourceId: row.id,
        details: { name: row.name },
      });
      return row;
    });
    return {
      server_id: server.id,
      install_command: agentInstallCommand(config.publicUrl, agentToken.token),
      token: agentToken.token,
    };
  });

  defineRoute(app, registryRoute('updateServerAgent'), { permission: 'server.update' }, async ({ params, caller, request }) => {
    const server = await serverById(db, scopeOf(caller), params.serverId);
    if (!server) throw notFound(params.serverId);
    const bundle = await releases.current();
    const payload = {
      request_id: `update-agent-${randomUUID()}`,
      version: bundle.version,
      download_url: `${config.publicUrl}/agent/syntra-agent.mjs`,
      sha256: bundle.sha256,
    };
    await db.transaction().execute(async (trx) => {
      await enqueueAgentCommand(trx, { serverId: server.id, requestId: payload.request_id, type: 'update_agent', payload });
      await recordAudit(trx, request, caller, {
        action: 'server.agent_update',
        resourceType: 'server',
        resourceId: server.id,
        details: { from: server.agent_version, to: bundle.version },
      });
    });
    return payload;
  });

  defineRoute(app, registryRoute('updateServer'), { permission: 'server.update' }, async ({ params, body, caller, request }) => {
    const server = await db.transaction().execute(async (trx) => {
      const row = await updateServer(trx, scopeOf(caller), params.serverId, body);
      if (!row) throw notFound(params.serverId);
      await recordAudit(trx, request, caller, { action: 'server.update', resourceType: 'server', resourceId: row.id, details: { changes: body } });
      return row;
    });
    return serverResource(server);
  });

  defineRoute(app, registryRoute('deleteServer'), { permission: 'server.delete' }, async ({ params, caller, request }) => {
    await db.transaction().execute(async (trx) => {
      const deleted = await deleteServer(trx, scopeOf(caller), params.serverId);
      if (!deleted) throw notFound(params.serverId);
      await recordAudit(trx, request, caller, {
        action: 'server.delete',
        resourceType: 'server',
        resourceId: params.serverId,
        details: { name: deleted.name },
      });
    });
  });
};
