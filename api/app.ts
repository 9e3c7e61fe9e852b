import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { NotificationListener } from '../db/postgres/notifications.js';
import { agentReleaseRoutes } from './http/agent-release/routes.js';
import { AgentReleaseStore } from './http/agent-release/store.js';
import { registerApiVersion } from './http/api-version.js';
import { registerAuth } from './http/auth/plugin.js';
import { registerErrorHandling } from './http/errors.js';
import { registerAgentGateway } from './gateway/plugin.js';
import { registerTelemetryIngest } from './ingest/plugin.js';
import { registerLiveUpdates } from './live/plugin.js';
import { trackDeclaredMethods } from './http/method-not-allowed.js';
import { recordAgentDomainStatuses } from './gateway/domain-statuses.js';
import { syncDefaultDomains } from '../control/default-domain.js';
import type { Platform } from '../control/platform.js';
import { perOrganizationLimit, registerRateLimit } from './http/rate-limit.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { alertRoutes } from './http/routes/alerts.js';
import { auditLogRoutes } from './http/routes/audit-logs.js';
import { authRoutes } from './http/routes/auth.js';
import { deploymentRoutes } from './http/routes/deployments.js';
import { envVarRoutes } from './http/routes/env-vars.js';
import { healthRoutes } from './http/routes/health.js';
import { incidentRoutes } from './http/routes/incidents.js';
import { memberRoutes } from './http/routes/members.js';
import { observabilityRoutes } from './http/routes/observability/index.js';
import { aiRoutes } from './http/routes/ai/index.js';
import { openApiRoutes } from './http/routes/openapi.js';
import { projectRoutes } from './http/routes/projects.js';
import { serverRoutes } from './http/routes/servers.js';
import { serviceExecRoutes } from './http/routes/service-exec.js';
import { serviceOperationRoutes } from './http/routes/service-operations.js';
import { serviceRoutes } from './http/routes/services.js';
import { acmeSettingsRoutes } from './http/routes/acme-settings.js';
import { tokenRoutes } from './http/routes/tokens.js';
import { workflowDefinitionRoutes } from './http/routes/workflow-definitions.js';
import { workflowRunRoutes } from './http/routes/workflow-runs.js';
import { registerUi } from './http/ui/plugin.js';
import { registryTokenRoutes } from './http/registry-token.js';
import { gitWebhookRoutes } from './http/routes/git-webhooks.js';
import { storeBuildProgress } from './builds/build-progress.js';

declare module 'fastify' {
  interface FastifyInstance {
    notifications: NotificationListener;
  }
}

const requestIdPattern = /^[A-Za-z0-9._:-]{8,100}$/;
const bodyLimitBytes = 1024 * 1024;

/** The control plane's HTTP surface: one Fastify app, one plugin per resource under /api/v1. */
export async function buildApi(platform: Platform, log: Logger) {
  const app = Fastify({
    // pino's Logger is Fastify's logger; typing it as the base keeps plugins' instance types plain.
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: bodyLimitBytes,
    // Behind a load balancer every connection comes from it; only the proxies named are believed
    // about the client's address (a client's own X-Forwarded-For is otherwise ignored).
    ...(platform.config.SYNTRA_TRUSTED_PROXIES ? { trustProxy: platform.config.SYNTRA_TRUSTED_PROXIES } : {}),
    // A `__proto__` or `constructor.prototype` key is dropped, not refused: the document lets objects
    // carry keys it does not name, and zod strips those anyway.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    // A caller's own request id is kept when it is sane, so its logs and ours line up.
    genReqId: (request) => {
      const offered = request.headers['x-request-id'];
      return typeof offered === 'string' && requestIdPattern.test(offered) ? offered : `req_${randomUUID()}`;
    },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // One LISTEN connection for the whole process: caches, the command outbox and live updates follow their channels on it.
  const notifications = new NotificationListener(platform.config.DATABASE_URL!, log);
  app.decorate('notifications', notifications);
  app.addHook('onClose', () => notifications.close());
  registerErrorHandling(app);
  await registerSecurityHeaders(app, platform.config.publicUrl);
  registerApiVersion(app);
  const answerUndeclaredMethods = trackDeclaredMethods(app);
  await app.register(healthRoutes, { prefix: '/api/v1', platform });
  await registerAuth(app, platform.db);
  registerRateLimit(
    app,
    platform.db,
    { perIpPerMinute: platform.config.SYNTRA_RATE_LIMIT_IP_PER_MINUTE, perCallerPerMinute: platform.config.SYNTRA_RATE_LIMIT_CALLER_PER_MINUTE },
    new Set(['/api/v1/health']),
  );
  await app.register(openApiRoutes);
  await app.register(authRoutes, { platform });
  const releases = new AgentReleaseStore(platform.config.dataDir);
  await app.register(agentReleaseRoutes, { platform, releases });
  await app.register(registryTokenRoutes, { platform });
  await app.register(serverRoutes, { platform, releases });
  await app.register(projectRoutes, { platform });
  await app.register(serviceRoutes, { platform });
  await app.register(acmeSettingsRoutes, { platform });
  await app.register(envVarRoutes, { platform });
  await app.register(serviceOperationRoutes, { platform });
  await app.register(serviceExecRoutes, { platform });
  await app.register(deploymentRoutes, { platform });
  await app.register(tokenRoutes, { platform });
  await app.register(memberRoutes, { platform });
  await app.register(auditLogRoutes, { platform });
  await app.register(observabilityRoutes, { platform });
  // One AI budget per organization, across processes, spent by people's calls and incidents' summaries alike.
  const limitAiCalls = perOrganizationLimit(app, platform.db, platform.config.SYNTRA_AI_RATE_LIMIT_PER_MINUTE, 'ai', 'AI calls from this organization');
  await app.register(aiRoutes, { platform, limitAiCalls });
  await app.register(alertRoutes, { platform });
  await app.register(incidentRoutes, { platform });
  await app.register(workflowDefinitionRoutes, { platform });
  await app.register(workflowRunRoutes, { platform });
  await app.register(gitWebhookRoutes, { platform });
  await registerAgentGateway(app, platform);
  registerTelemetryIngest(app, platform, limitAiCalls);
  await registerLiveUpdates(app, platform);
  recordAgentDomainStatuses(app.agentGateway.events, platform.db, app.log);
  const builds = storeBuildProgress(app.agentGateway.events, platform.db, platform.clickhouse.client, app.log);
  await syncDefaultDomains(platform.db, platform.config.SYNTRA_BASE_DOMAIN);
  // Agents disconnected by closing are marked offline and their deploys requeued before the database closes.
  app.addHook('onClose', async () => {
    await app.agentGateway.settled();
    await builds.settled();
  });
  answerUndeclaredMethods();
  // Last: its wildcard takes only what no route above claims.
  await registerUi(app, platform.config);
  return app;
}
