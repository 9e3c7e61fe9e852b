import type { FastifyPluginAsync } from 'fastify';
import type { Platform } from '../../control/platform.js';
import { ensureTokenSigningKey } from '../../control/registry/token-keys.js';
import { answerTokenRequest } from '../../control/registry/token-server.js';

/*
 * `GET /registry/token`: the realm the platform's registry sends Docker to. Outside `/api/v1`
 * because its shapes are the Docker token protocol's, not the contract's envelope; it
 * authenticates with the registry credential itself (Basic auth), never with a user's token.
 */
export const registryTokenRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const signer = await ensureTokenSigningKey(platform.config.dataDir);
  app.get<{ Querystring: { service?: string; scope?: string | string[] } }>('/registry/token', async (request, reply) => {
    const { scope, service } = request.query;
    const scopes = scope === undefined ? [] : Array.isArray(scope) ? scope : [scope];
    const answer = answerTokenRequest(platform.secrets, signer, { authorization: request.headers.authorization, service, scopes });
    if (answer.status === 401) reply.header('www-authenticate', 'Basic realm="syntra registry"');
    return reply.code(answer.status).header('cache-control', 'no-store').send(answer.body);
  });
};
