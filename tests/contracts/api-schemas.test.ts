import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  ApiError,
  apiErrorStatus,
  apiResponse,
  CreateService,
  Deployment,
  PutEnvVars,
  RollbackRequest,
  ScaleRequest,
  Server,
  ServerListQuery,
  Service,
  ServiceMetricsQuery,
  UpdateService,
} from '../../contracts/index.js';
import { createImageService, deployment, server, service } from './api-examples.js';
import { ajvReports, openApiComponent, openApiSuccessBody } from './json-schema-validator.js';
import { type Path, REMOVE, withField } from './with-field.js';

const issuePaths = (schema: z.ZodType, value: unknown) => schema.safeParse(value).error?.issues.map((issue) => issue.path);

const apiError = {
  success: false,
  error: {
    code: 'NOT_FOUND',
    message: 'No service 9c4f7e2a-1b3d-4c5e-8f6a-7b8c9d0e1f2a in this organization',
    request_id: 'req-7f3a2c',
  },
};

describe('the REST envelope', () => {
  it('a success envelope passes zod and the checked-in OpenAPI response', () => {
    const body = { success: true, data: [server], meta: { total: 1, page: 1, per_page: 20 } };
    expect(issuePaths(apiResponse(Server.array()), body)).toBeUndefined();
    const validate = openApiSuccessBody('listServers', '200');
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a resource that breaks its schema inside the envelope is reported at data.<field>', () => {
    const body = withField({ success: true, data: server }, ['data', 'status'], 'sleeping');
    expect(issuePaths(apiResponse(Server), body)).toEqual([['data', 'status']]);
    const validate = openApiSuccessBody('getServer', '200');
    expect(validate(body)).toBe(false);
    expect(ajvReports(validate.errors, ['data', 'status'])).toBe(true);
  });

  it('an ApiError passes zod and the ApiError component', () => {
    expect(issuePaths(ApiError, apiError)).toBeUndefined();
    expect(openApiComponent('ApiError')(apiError)).toBe(true);
  });

  it.each([
    { fault: 'an unknown code', path: ['error', 'code'], value: 'TEAPOT' },
    { fault: 'no request_id', path: ['error', 'request_id'], value: REMOVE },
    { fault: 'success true', path: ['success'], value: true },
  ])('an ApiError with $fault is rejected at its path', ({ path, value }) => {
    const invalid = withField(apiError, path, value);
    expect(issuePaths(ApiError, invalid)).toEqual([path]);
    const validate = openApiComponent('ApiError');
    expect(validate(invalid)).toBe(false);
    expect(ajvReports(validate.errors, path)).toBe(true);
  });

  it('maps every error code to the status of contract section 2.2', () => {
    expect(apiErrorStatus).toEqual({
      VALIDATION_ERROR: 400,
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      METHOD_NOT_ALLOWED: 405,
      CONFLICT: 409,
      UNPROCESSABLE: 422,
      RATE_LIMITED: 429,
      INTERNAL_ERROR: 500,
      SERVICE_UNAVAILABLE: 503,
    });
  });
});

describe('REST resources', () => {
  it.each([
    { name: 'Server', schema: Server, example: server },
    { name: 'Service', schema: Service, example: service },
    { name: 'Deployment', schema: Deployment, example: deployment },
  ])('a valid $name passes zod and its OpenAPI component', ({ name, schema, example }) => {
    expect(issuePaths(schema, example)).toBeUndefined();
    const validate = openApiComponent(name);
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
  });

  it("a service's image source reads back without the registry password", () => {
    const imageService = { ...service, source_type: 'image', source_config: { image: { registry: 'ghcr.io', repository: 'acme/redis', tag: '7.4' }, registry_auth: { username: 'acme-bot' } } };
    expect(issuePaths(Service, imageService)).toBeUndefined();
    expect(openApiComponent('Service')(imageService)).toBe(true);
  });
});

interface BodyFault {
  body: 'CreateService' | 'UpdateService' | 'ScaleRequest' | 'RollbackRequest';
  fault: string;
  value: unknown;
  path: Path;
}

const bodies = { CreateService, UpdateService, ScaleRequest, RollbackRequest };

describe('REST request bodies', () => {
  it.each([
    { body: 'CreateService', value: createImageService },
    {
      body: 'CreateService',
      value: { name: 'web', server_id: server.id, port: 8080, source_type: 'nixpacks', source_config: {} },
    },
    { body: 'UpdateService', value: { name: 'api-v2', health_check: null } },
    { body: 'UpdateService', value: { source_type: 'docker_compose', source_config: { compose_file: 'deploy/compose.yml' } } },
    { body: 'ScaleRequest', value: { replicas: 0 } },
  ] as const)('a valid $body passes zod and its OpenAPI component', ({ body, value }) => {
    expect(issuePaths(bodies[body], value)).toBeUndefined();
    const validate = openApiComponent(body);
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  const faults: BodyFault[] = [
    {
      body: 'CreateService',
      fault: 'an image source without a tag',
      value: withField(createImageService, ['source_config', 'image', 'tag'], REMOVE),
      path: ['source_config', 'image', 'tag'],
    },
    {
      body: 'CreateService',
      fault: 'a Dockerfile path climbing out of the repository',
      value: { ...createImageService, source_type: 'dockerfile', source_config: { dockerfile_path: '../secrets/Dockerfile' } },
      path: ['source_config', 'dockerfile_path'],
    },
    {
      body: 'CreateService',
      fault: 'an unknown source type',
      value: { ...createImageService, source_type: 'buildpacks' },
      path: ['source_type'],
    },
    {
      body: 'CreateService',
      fault: 'a missing port',
      value: withField(createImageService, ['port'], REMOVE),
      path: ['port'],
    },
    {
      body: 'UpdateService',
      fault: 'a source type without its config',
      value: { source_type: 'image' },
      path: ['source_config'],
    },
    {
      body: 'UpdateService',
      fault: 'a source config without its type',
      value: { source_config: { compose_file: 'compose.yml' } },
      path: ['source_config'],
    },
    { body: 'ScaleRequest', fault: 'negative replicas', value: { replicas: -1 }, path: ['replicas'] },
    { body: 'RollbackRequest', fault: 'a deployment id that is not a UUID', value: { deployment_id: 'latest' }, path: ['deployment_id'] },
  ];

  it.each(faults)('$body with $fault is rejected at its path', ({ body, value, path }) => {
    expect(issuePaths(bodies[body], value)).toEqual([path]);
    const validate = openApiComponent(body);
    expect(validate(value)).toBe(false);
    expect(ajvReports(validate.errors, path), JSON.stringify(validate.errors)).toBe(true);
  });

  it('PUT env rejects a key given twice (zod only: JSON Schema cannot compare array items by one field)', () => {
    const body = {
      variables: [
        { key: 'NODE_ENV', value: 'production' },
        { key: 'NODE_ENV', value: 'staging', is_secret: false },
      ],
    };
    expect(issuePaths(PutEnvVars, body)).toEqual([['variables', 1, 'key']]);
  });
});

describe('REST query strings', () => {
  it('fill pagination defaults', () => {
    expect(ServerListQuery.parse({})).toEqual({ page: 1, per_page: 20, status: 'all' });
  });

  it('coerce numbers from text', () => {
    expect(ServerListQuery.parse({ page: '3', per_page: '50', status: 'online' })).toEqual({ page: 3, per_page: 50, status: 'online' });
  });

  it('refuse a page size above 100 at per_page', () => {
    expect(issuePaths(ServerListQuery, { per_page: '101' })).toEqual([['per_page']]);
  });

  it('split comma-separated metric names', () => {
    expect(ServiceMetricsQuery.parse({ metrics: 'cpu, memory,,http.requests' })).toEqual({
      metrics: ['cpu', 'memory', 'http.requests'],
      interval: '1m',
    });
  });

  it('refuse an interval the endpoint does not offer', () => {
    expect(issuePaths(ServiceMetricsQuery, { interval: '1d' })).toEqual([['interval']]);
  });
});
