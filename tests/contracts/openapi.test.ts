import { describe, expect, it } from 'vitest';
import { API_VERSIONS, apiErrorStatus, apiRoutes, buildOpenApiDocument, routeErrorCodes, type ApiRoute } from '../../contracts/index.js';

const routes: readonly ApiRoute[] = apiRoutes;

/** Contract section 2.3, in its own `:param` notation, plus the health check. */
const contractEndpoints = [
  'GET /api/v1/servers',
  'GET /api/v1/servers/:serverId',
  'POST /api/v1/servers',
  'PATCH /api/v1/servers/:serverId',
  'DELETE /api/v1/servers/:serverId',
  'GET /api/v1/servers/:serverId/metrics',
  'GET /api/v1/projects',
  'POST /api/v1/projects',
  'GET /api/v1/projects/:projectId',
  'PATCH /api/v1/projects/:projectId',
  'DELETE /api/v1/projects/:projectId',
  'GET /api/v1/projects/:projectId/services',
  'POST /api/v1/projects/:projectId/services',
  'GET /api/v1/services/:serviceId',
  'GET /api/v1/services/:serviceId/domains',
  'PATCH /api/v1/services/:serviceId',
  'DELETE /api/v1/services/:serviceId',
  'POST /api/v1/services/:serviceId/deploy',
  'POST /api/v1/services/:serviceId/rollback',
  'POST /api/v1/services/:serviceId/restart',
  'POST /api/v1/services/:serviceId/scale',
  'GET /api/v1/services/:serviceId/logs',
  'GET /api/v1/services/:serviceId/deployments',
  'GET /api/v1/deployments/:deploymentId',
  'POST /api/v1/deployments/:deploymentId/cancel',
  'GET /api/v1/services/:serviceId/env',
  'PUT /api/v1/services/:serviceId/env',
  'DELETE /api/v1/services/:serviceId/env/:key',
  'GET /api/v1/projects/:projectId/issues',
  'GET /api/v1/issues/:issueId',
  'PATCH /api/v1/issues/:issueId',
  'GET /api/v1/issues/:issueId/events',
  'GET /api/v1/services/:serviceId/traces',
  'GET /api/v1/traces/:traceId',
  'GET /api/v1/services/:serviceId/metrics',
  'POST /api/v1/ai/analyze-error',
  'POST /api/v1/ai/generate-dockerfile',
  'POST /api/v1/ai/chat',
  'GET /api/v1/ai/recommendations/:serviceId',
  'GET /api/v1/health',
];

/** Beyond the contract: the organization's model provider for the AI endpoints, and the chat's stored history (docs/contract-corrections.md). */
const aiSettingsEndpoints = ['GET /api/v1/ai/settings', 'PATCH /api/v1/ai/settings', 'GET /api/v1/ai/chat/history'];

/** Beyond the contract: the organization's ACME account (docs/contract-corrections.md, issue 20). */
const acmeSettingsEndpoints = ['GET /api/v1/acme/settings', 'PATCH /api/v1/acme/settings'];

/** Beyond the contract: what the operator's pages chart (docs/contract-corrections.md). */
const operatorChartEndpoints = [
  'GET /api/v1/projects/:projectId/issues/activity',
  'GET /api/v1/services/:serviceId/request-stats',
  'GET /api/v1/services/:serviceId/operations',
];

/** The control plane's own endpoints beyond the contract (ARCHITECTURE correction 5): auth, tokens, members, audit. */
const accessEndpoints = [
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'GET /api/v1/auth/me',
  'GET /api/v1/auth/organizations',
  'POST /api/v1/auth/switch',
  'GET /api/v1/tokens',
  'POST /api/v1/tokens',
  'DELETE /api/v1/tokens/:tokenId',
  'GET /api/v1/members',
  'POST /api/v1/members',
  'PATCH /api/v1/members/:userId',
  'DELETE /api/v1/members/:userId',
  'GET /api/v1/audit-logs',
];

/** Beyond the contract: push to deploy, called by git hosts (docs/contract-corrections.md). */
const webhookEndpoints = ['POST /api/v1/webhooks/git/:projectId'];

/** Beyond the contract: the agent's own lifecycle (docs/contract-corrections.md). */
const agentLifecycleEndpoints = ['POST /api/v1/servers/:serverId/agent/update'];

/** Beyond the contract: a protocol command with no route in section 2.3 (docs/contract-corrections.md). */
const agentCommandEndpoints = ['POST /api/v1/services/:serviceId/exec'];

/** Beyond the contract too (ARCHITECTURE correction 5): alert rules, incidents and DAG workflows. */
const automationEndpoints = [
  'GET /api/v1/alerts',
  'POST /api/v1/alerts',
  'GET /api/v1/alerts/:alertId',
  'PATCH /api/v1/alerts/:alertId',
  'DELETE /api/v1/alerts/:alertId',
  'POST /api/v1/alerts/:alertId/test',
  'GET /api/v1/incidents',
  'GET /api/v1/incidents/:incidentId',
  'POST /api/v1/incidents/:incidentId/acknowledge',
  'GET /api/v1/projects/:projectId/workflows',
  'POST /api/v1/projects/:projectId/workflows',
  'GET /api/v1/workflows/:workflowId',
  'PATCH /api/v1/workflows/:workflowId',
  'DELETE /api/v1/workflows/:workflowId',
  'GET /api/v1/workflows/:workflowId/versions',
  'GET /api/v1/workflows/:workflowId/runs',
  'GET /api/v1/workflow-runs/:runId',
  'POST /api/v1/workflows/:workflowId/runs',
  'POST /api/v1/workflow-runs/:runId/cancel',
  'POST /api/v1/workflow-runs/:runId/nodes/:nodeId/approve',
  'POST /api/v1/workflow-runs/:runId/nodes/:nodeId/reject',
  'POST /api/v1/workflows/:workflowId/schedule/pause',
  'POST /api/v1/workflows/:workflowId/schedule/resume',
  'POST /api/v1/workflows/:workflowId/schedule/trigger',
];

const endpointOf = (route: ApiRoute) => `${route.method} ${route.path.replaceAll(/\{(\w+)\}/g, ':$1')}`;

describe('the route registry', () => {
  it('holds exactly the endpoints of contract section 2.3, the health check, the access, agent lifecycle, agent command, AI settings, operator chart and webhook endpoints', () => {
    const expected = [...contractEndpoints, ...accessEndpoints, ...agentLifecycleEndpoints, ...agentCommandEndpoints, ...automationEndpoints, ...aiSettingsEndpoints, ...acmeSettingsEndpoints, ...operatorChartEndpoints, ...webhookEndpoints];
    expect(routes.map(endpointOf).sort()).toEqual(expected.sort());
  });

  it('keeps the access and automation endpoints apart from the contract\'s, under their own tags', () => {
    const accessTags = new Set(['auth', 'tokens', 'members', 'audit', 'alerts', 'workflows']);
    for (const route of routes) {
      const isAccess = [...accessEndpoints, ...automationEndpoints].includes(endpointOf(route));
      expect(route.tags.length, route.operationId).toBeGreaterThan(0);
      for (const tag of route.tags) expect(accessTags.has(tag), `${route.operationId} tagged ${tag}`).toBe(isAccess);
    }
  });

  it('gives every route a unique operationId', () => {
    const ids = routes.map((route) => route.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(routes.map((route) => [endpointOf(route), route] as const))('%s declares exactly its path parameters', (_, route) => {
    const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
    expect(Object.keys(route.params?.shape ?? {})).toEqual(inPath);
  });

  it('answers 204 exactly when there is no body to send (an event stream sends events)', () => {
    for (const route of routes) expect(route.successStatus === 204, route.operationId).toBe(route.response === null && !('eventStream' in route));
  });

  it('lists the errors a route can answer from what it takes', () => {
    const byId = (id: string) => routes.find((route) => route.operationId === id)!;
    expect(routeErrorCodes(byId('listProjects'))).toEqual([
      'VALIDATION_ERROR',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'RATE_LIMITED',
      'INTERNAL_ERROR',
    ]);
    expect(routeErrorCodes(byId('createService'))).toEqual([
      'VALIDATION_ERROR',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'NOT_FOUND',
      'CONFLICT',
      'UNPROCESSABLE',
      'RATE_LIMITED',
      'INTERNAL_ERROR',
    ]);
    expect(routeErrorCodes(byId('getHealth'))).toEqual(['VALIDATION_ERROR', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE']);
    expect(routeErrorCodes(byId('login'))).toEqual(['VALIDATION_ERROR', 'UNAUTHORIZED', 'INTERNAL_ERROR']);
  });
});

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('is OpenAPI 3.1 with every route under its path and method', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const route of routes) {
      expect(document.paths[route.path]?.[route.method.toLowerCase()], endpointOf(route)).toMatchObject({
        operationId: route.operationId,
      });
    }
  });

  it('resolves every $ref to a component', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/(schemas|responses|parameters|headers)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(0);
    for (const [, kind, name] of refs) {
      expect(document.components[kind as keyof typeof document.components], `${kind}/${name}`).toHaveProperty([name!]);
    }
  });

  it('answers each error status with the ApiError envelope', () => {
    const operation = document.paths['/api/v1/services/{serviceId}/deploy']?.post as { responses: Record<string, unknown> };
    expect(Object.keys(operation.responses)).toEqual(['201', '400', '401', '403', '404', '422', '429', '500']);
    expect(document.components.responses.NOT_FOUND?.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ApiError',
    });
    expect(Object.keys(document.components.responses)).toEqual(Object.keys(apiErrorStatus));
  });

  it('describes query strings as parameters with their defaults, optional when defaulted', () => {
    const operation = document.paths['/api/v1/servers']?.get as { parameters: unknown[] };
    expect(operation.parameters).toContainEqual({
      name: 'per_page',
      in: 'query',
      required: false,
      schema: { default: 20, type: 'integer', minimum: 1, maximum: 100 },
    });
  });

  it('takes X-API-Version on every operation and names it in every answer (contract 4.1)', () => {
    for (const route of routes) {
      const operation = document.paths[route.path]![route.method.toLowerCase()] as { parameters: unknown[]; responses: Record<string, { headers?: unknown }> };
      expect(operation.parameters[0], route.operationId).toEqual({ $ref: '#/components/parameters/ApiVersion' });
      expect(operation.responses[route.successStatus]?.headers, route.operationId).toEqual({ 'X-API-Version': { $ref: '#/components/headers/ApiVersion' } });
    }
    expect(document.components.parameters.ApiVersion).toMatchObject({ in: 'header', required: false, schema: { enum: [...API_VERSIONS] } });
    for (const response of Object.values(document.components.responses)) expect(response.headers).toHaveProperty(['X-API-Version']);
  });

  it('leaves the health check open to callers without credentials', () => {
    expect(document.paths['/api/v1/health']?.get).toMatchObject({ security: [] });
    expect(document.paths['/api/v1/auth/login']?.post).toMatchObject({ security: [] });
    expect(document.paths['/api/v1/auth/me']?.get).not.toHaveProperty('security');
    expect(document.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
  });
});
