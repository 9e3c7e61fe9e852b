import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { agentReleaseRoutes } from './agent-release/routes.js';
import { AgentReleaseStore } from './agent-release/store.js';
import { registerAuth } from './auth/plugin.js';
import { registerErrorHandling } from './errors.js';
import { registerAgentGateway } from './gateway/plugin.js';
import type { Platform } from './platform.js';
import { registerRateLimit } from './rate-limit.js';
import { auditLogRoutes } from './routes/audit-logs.js';
import { authRoutes } from './routes/auth.js';
import { healthRoutes } from './routes/health.js';
import { memberRoutes } from './routes/members.js';
import { openApiRoutes } from './routes/openapi.js';
import { projectRoutes } from './routes/projects.js';
import { serverRoutes } from './routes/servers.js';
import { tokenRoutes } from './routes/tokens.js';

const requestIdPattern = /^[A-Za-z0-9._:-]{8,100}$/;
const bodyLimitBytes = 1024 * 1024;

/** The control plane's HTTP surface: one Fastify app, one plugin per resource under /api/v1. */
export async function buildApi(platform: Platform, log: Logger) {
  const app = Fastify({
    // pino's Logger is Fastify's logger; typing it as the base keeps plugins' instance types plain.
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: bodyLimitBytes,
    // A caller's own request id is kept when it is sane, so its logs and ours line up.
    genReqId: (request) => {
      const offered = request.headers['x-request-id'];
      return typeof offered === 'string' && requestIdPattern.test(offered) ? offered : `req_${randomUUID()}`;
    },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);
  await app.register(healthRoutes, { prefix: '/api/v1', platform });
  registerAuth(app, platform.db);
  registerRateLimit(
    app,
    { perIpPerMinute: platform.config.SYNTRA_RATE_LIMIT_IP_PER_MINUTE, perCallerPerMinute: platform.config.SYNTRA_RATE_LIMIT_CALLER_PER_MINUTE },
    new Set(['/api/v1/health']),
  );
  await app.register(openApiRoutes);
  await app.register(authRoutes, { platform });
  const releases = new AgentReleaseStore(platform.config.dataDir);
  await app.register(agentReleaseRoutes, { platform, releases });
  await app.register(serverRoutes, { platform, releases });
  await app.register(projectRoutes, { platform });
  await app.register(tokenRoutes, { platform });
  await app.register(memberRoutes, { platform });
  await app.register(auditLogRoutes, { platform });
  await registerAgentGateway(app, platform);
  return app;
}
