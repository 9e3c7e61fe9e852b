import { z } from 'zod';
import { AiAnalysis, AiRecommendation, AiSettings } from './ai.js';
import { jsonSchemaOptions, toJsonSchema, type JsonSchema } from '../json-schema.js';
import { LogEntry, TraceSpan } from '../telemetry/records.js';
import { CONTROL_PLANE_VERSION } from '../version.js';
import { HealthCheckConfig } from '../websocket/health-check.js';
import {
  AddMember,
  ApiToken,
  AuditLogEntry,
  AuthIdentity,
  CreateApiToken,
  LoginRequest,
  Member,
  UpdateMember,
} from './access.js';
import {
  AlertChannel,
  AlertChannelInput,
  AlertCondition,
  AlertIncident,
  AlertRule,
  CreateAlertRule,
  CreateWorkflow,
  UpdateAlertRule,
  UpdateWorkflow,
  Workflow,
  WorkflowRun,
} from './automation.js';
import { DagStep, WorkflowDefinition } from './dag-definition.js';
import { ApiError, apiErrorStatus, apiResponse, ResponseMeta, type ApiErrorCode } from './envelope.js';
import { DependencyHealth, HealthReport } from './health.js';
import { ErrorGroup, IssueEvent, MetricSeries, Trace, TraceSummary } from './observability.js';
import {
  CreateProject,
  CreateServer,
  CreateServerResult,
  CreateService,
  DeployRequest,
  PutEnvVars,
  RollbackRequest,
  ScaleRequest,
  UpdateIssue,
  UpdateProject,
  UpdateServer,
  UpdateService,
} from './requests.js';
import {
  Deployment,
  DeploymentDetail,
  EnvVar,
  Project,
  ProjectWithServices,
  Server,
  Service,
  ServiceWithDeployments,
} from './resources.js';
import {
  API_VERSION_HEADER,
  API_VERSIONS,
  apiRoutes,
  LATEST_API_VERSION,
  routeErrorCodes,
  type ApiRoute,
  type ApiTag,
} from './routes.js';

/** Named in `components.schemas` and referenced by `$ref` wherever they appear. */
const componentSchemas = {
  ApiError,
  ResponseMeta,
  Server,
  Project,
  ProjectWithServices,
  Service,
  ServiceWithDeployments,
  Deployment,
  DeploymentDetail,
  EnvVar,
  ErrorGroup,
  IssueEvent,
  TraceSummary,
  Trace,
  TraceSpan,
  MetricSeries,
  LogEntry,
  HealthReport,
  DependencyHealth,
  HealthCheckConfig,
  CreateServer,
  CreateServerResult,
  UpdateServer,
  CreateProject,
  UpdateProject,
  CreateService,
  UpdateService,
  DeployRequest,
  RollbackRequest,
  ScaleRequest,
  PutEnvVars,
  UpdateIssue,
  AuthIdentity,
  LoginRequest,
  ApiToken,
  CreateApiToken,
  Member,
  AddMember,
  UpdateMember,
  AuditLogEntry,
  AlertRule,
  AlertCondition,
  AlertChannel,
  AlertChannelInput,
  CreateAlertRule,
  UpdateAlertRule,
  AlertIncident,
  Workflow,
  WorkflowDefinition,
  DagStep,
  CreateWorkflow,
  UpdateWorkflow,
  WorkflowRun,
  AiAnalysis,
  AiRecommendation,
  AiSettings,
} satisfies Record<string, z.ZodType>;

const tagDescriptions: Record<ApiTag, string> = {
  servers: 'Machines running the Syntra agent',
  projects: 'Groups of services, usually one repository',
  services: 'Deployable units and their lifecycle',
  deployments: 'Rollouts of a service version',
  env: 'Environment variables, encrypted at rest',
  observability: 'Issues, traces, logs and metrics reported by agents',
  health: 'The control plane itself',
  auth: 'Browser sign-in: sessions opened with a user token',
  tokens: "The caller's own API tokens",
  members: "The organization's members and their roles",
  audit: 'Who did what in the organization',
  alerts: 'Alert rules, their notification channels and the incidents they open',
  workflows: 'DAG workflow definitions and their runs',
  ai: 'Error analysis, Dockerfiles, chat and recommendations: built-in rules, or the organization\'s own model',
};

const errorDescriptions: Record<ApiErrorCode, string> = {
  VALIDATION_ERROR: 'The request does not match its schema; error.details lists each fault with its path',
  UNAUTHORIZED: 'No valid API token or session',
  FORBIDDEN: "The caller's role does not allow this",
  NOT_FOUND: "No such resource in the caller's organization",
  METHOD_NOT_ALLOWED: 'The path does not take this method; the Allow header lists those it takes',
  CONFLICT: 'Clashes with an existing resource or with the current state',
  UNPROCESSABLE: 'Well-formed, but not possible for this resource',
  RATE_LIMITED: 'Too many requests; retry after the Retry-After header',
  INTERNAL_ERROR: 'Failed on the server side; error.request_id identifies it in the logs',
  SERVICE_UNAVAILABLE: 'A dependency is down; error.details carries the health report',
};

const schemaRef = (id: string) => `#/components/schemas/${id}`;

const apiVersionSchema = { type: 'string', enum: [...API_VERSIONS] };
/** Every operation takes the header, and every answer carries it (contract 4.1). */
const apiVersionParameter = {
  name: API_VERSION_HEADER,
  in: 'header',
  required: false,
  description: `The dated revision of the API to answer in; absent: the latest (${LATEST_API_VERSION}). Another value is refused with 400.`,
  schema: apiVersionSchema,
};
const apiVersionHeaders = { [API_VERSION_HEADER]: { $ref: '#/components/headers/ApiVersion' } };
const jsonContent = (schema: JsonSchema) => ({ 'application/json': { schema } });

/*
 * OpenAPI 3.1 cannot type a stream's `data:` per event; the schema describes one event as parsed
 * (its `event:` name, its `data:` text, as OpenAPI 3.2's `itemSchema` and SSE-aware clients such as
 * schemathesis read it), and `x-events` names the schema of each event's JSON `data`.
 */
const eventStreamResponse = (events: [string, JsonSchema][]) => ({
  description: `Server-Sent Events: ${events.map(([event]) => `\`${event}\``).join(', ')}, each with one JSON \`data\` line; the stream ends after \`done\` or \`error\``,
  headers: apiVersionHeaders,
  content: {
    'text/event-stream': {
      schema: {
        type: 'object',
        properties: {
          event: { type: 'string', enum: events.map(([event]) => event) },
          data: { type: 'string', description: 'JSON, of the schema x-events names for the event' },
          id: { type: 'string' },
          retry: { type: 'integer' },
        },
        required: ['event', 'data'],
      },
      'x-events': Object.fromEntries(events),
    },
  },
});

// Registry output repeats `$schema` and `$id` in every schema; OpenAPI keys them by name instead.
function withoutSchemaKeywords({ $schema: _schema, $id: _id, ...schema }: JsonSchema): JsonSchema {
  return schema;
}

function parameters(route: ApiRoute) {
  const locations = [
    ['path', route.params],
    ['query', route.query],
  ] as const;
  return locations.flatMap(([location, object]) => {
    if (!object) return [];
    const { properties, required } = toJsonSchema(object) as { properties: Record<string, JsonSchema>; required?: string[] };
    return Object.entries(properties).map(([name, { description, ...schema }]) => ({
      name,
      in: location,
      required: required?.includes(name) ?? false,
      ...(typeof description === 'string' ? { description } : {}),
      schema,
    }));
  });
}

/** The OpenAPI 3.1 document of the REST API: a pure function of the route registry. */
export function buildOpenApiDocument(routes: readonly ApiRoute[] = apiRoutes) {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(componentSchemas)) registry.add(schema, { id });

  // Bodies and envelopes that are not components are converted in the same pass, so their
  // references to components resolve, and are then moved inline into the operation.
  const inlineIds = new Map<ApiRoute, { body?: string; response?: string }>();
  for (const route of routes) {
    const ids: { body?: string; response?: string } = {};
    if (route.body) {
      const known = registry.get(route.body)?.id;
      ids.body = known ?? `${route.operationId}.body`;
      if (!known) registry.add(route.body, { id: ids.body });
    }
    if (route.response) {
      ids.response = `${route.operationId}.response`;
      registry.add(apiResponse(route.response), { id: ids.response });
    }
    for (const [event, schema] of Object.entries(route.eventStream ?? {})) registry.add(schema, { id: `${route.operationId}.${event}` });
    inlineIds.set(route, ids);
  }

  const converted = z.toJSONSchema(registry, { ...jsonSchemaOptions, uri: schemaRef }).schemas;
  const componentIds = new Set(Object.keys(componentSchemas));
  const schemaFor = (id: string): JsonSchema =>
    componentIds.has(id) ? { $ref: schemaRef(id) } : withoutSchemaKeywords(converted[id]!);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const ids = inlineIds.get(route)!;
    const responses: Record<string, unknown> = {
      [route.successStatus]: route.eventStream
        ? eventStreamResponse(Object.keys(route.eventStream).map((event) => [event, schemaFor(`${route.operationId}.${event}`)]))
        : ids.response
          ? { description: 'Success', headers: apiVersionHeaders, content: jsonContent(schemaFor(ids.response)) }
          : { description: 'No content', headers: apiVersionHeaders },
    };
    for (const code of routeErrorCodes(route)) responses[apiErrorStatus[code]] = { $ref: `#/components/responses/${code}` };
    const routeParameters = parameters(route);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [...route.tags],
      ...(route.public ? { security: [] } : {}),
      parameters: [{ $ref: '#/components/parameters/ApiVersion' }, ...routeParameters],
      ...(ids.body ? { requestBody: { required: true, content: jsonContent(schemaFor(ids.body)) } } : {}),
      responses,
    };
  }

  const schemas = Object.fromEntries(
    [...componentIds].map((id) => [id, withoutSchemaKeywords(converted[id]!)]),
  );
  const errorResponses = Object.fromEntries(
    Object.entries(errorDescriptions).map(([code, description]) => [
      code,
      { description, headers: apiVersionHeaders, content: jsonContent({ $ref: schemaRef('ApiError') }) },
    ]),
  );

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Syntra API',
      version: CONTROL_PLANE_VERSION,
      description: [
        'REST API of the Syntra control plane. Every body is JSON in the ApiResponse or ApiError envelope.',
        // Said once here rather than as a pattern on every string.
        'Text may not contain NUL characters (U+0000), which PostgreSQL cannot store: a request carrying one is refused with 400.',
      ].join(' '),
    },
    tags: Object.entries(tagDescriptions).map(([name, description]) => ({ name, description })),
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    paths,
    components: {
      schemas,
      responses: errorResponses,
      parameters: { ApiVersion: apiVersionParameter },
      headers: {
        ApiVersion: { description: 'The revision of the API this answer is in', required: true, schema: apiVersionSchema },
      },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'API token: syn_<type>_<random>' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'next-auth.session-token' },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
