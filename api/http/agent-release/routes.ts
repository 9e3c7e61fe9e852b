import { createReadStream } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { Platform } from '../../../control/platform.js';
import { agentInstallScript } from './install-script.js';
import type { AgentReleaseStore } from './store.js';

/*
 * Public on purpose, like any installer download: the bundle holds no secret, and servers fetch
 * it before they have anything to authenticate with. Integrity comes from the SHA-256 that the
 * install script embeds and that `update_agent` carries over the authenticated session.
 */
export const agentReleaseRoutes: FastifyPluginAsync<{ platform: Platform; releases: AgentReleaseStore }> = async (app, { platform, releases }) => {
  app.get('/agent/syntra-agent.mjs', async (_request, reply) => {
    const bundle = await releases.current();
    return reply
      .type('text/javascript; charset=utf-8')
      .header('content-length', bundle.bytes)
      .header('etag', `"${bundle.sha256}"`)
      .header('x-syntra-agent-version', bundle.version)
      .header('repr-digest', `sha-256=:${Buffer.from(bundle.sha256, 'hex').toString('base64')}:`)
      .send(createReadStream(bundle.path));
  });

  app.get('/agent/install.sh', async (_request, reply) => {
    const bundle = await releases.current();
    return reply.type('text/x-shellscript; charset=utf-8').send(agentInstallScript(platform.config.publicUrl, bundle));
  });
};
