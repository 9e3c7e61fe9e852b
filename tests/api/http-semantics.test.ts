import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastifyPath } from '../../api/http/routing.js';
import { API_VERSIONS, apiRoutes, LATEST_API_VERSION, type HttpMethod } from '../../contracts/index.js';
import { bearer } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

/** The registry's methods, and the other two fastify routes that a client may try (QUERY carries a body). */
const probedMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'QUERY', 'TRACE'] as const;

/** A registry path with every parameter filled in: `/api/v1/servers/{serverId}` → `/api/v1/servers/0000…`. */
const concrete = (path: string) => fastifyPath(path).replace(/:\w+/g, '00000000-0000-4000-8000-000000000000');

/** The registry's paths, each with the methods it declares. */
function declaredByPath(): Map<string, Set<HttpMethod>> {
  const byPath = new Map<string, Set<HttpMethod>>();
  for (const route of apiRoutes) byPath.set(route.path, (byPath.get(route.path) ?? new Set()).add(route.method));
  return byPath;
}

/** What `Allow` must say for a path: its methods in the usual order, HEAD with GET, and OPTIONS. */
function allowFor(declared: Set<string>): string {
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((method) => declared.has(method === 'HEAD' ? 'GET' : method));
  return [...methods, 'OPTIONS'].join(', ');
}

describe('HTTP semantics of the API', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Record<string, string>;

  beforeAll(async () => {
    api = await startTestApi('http-semantics');
    owner = bearer(api.ownerToken);
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('X-API-Version (contract 4.1)', () => {
    it('answers in the latest revision when none is asked for, refusals included', async () => {
      for (const [url, status] of [
        ['/api/v1/health', 200],
        ['/api/v1/projects', 401],
        ['/api/v1/no-such-route', 404],
      ] as const) {
        const response = await api.app.inject({ method: 'GET', url });
        expect(response.statusCode, url).toBe(status);
        expect(response.headers['x-api-version'], url).toBe(LATEST_API_VERSION);
      }
    });

    it.each(API_VERSIONS)('echoes the supported revision %s it was asked for', async (version) => {
      const response = await api.app.inject({ method: 'GET', url: '/api/v1/projects', headers: { ...owner, 'x-api-version': version } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-api-version']).toBe(version);
    });

    it.each(['2023-01-01', '2024-1-31', 'latest', ''])(
      'refuses the revision %j with 400, listing the supported ones, and changes nothing',
      async (version) => {
        const response = await api.app.inject({
          method: 'POST',
          url: '/api/v1/projects',
          headers: { ...owner, 'x-api-version': version },
          payload: { name: `versioned ${version}` },
        });
        expect(response.statusCode).toBe(400);
        const { error } = response.json();
        expect(error.code).toBe('VALIDATION_ERROR');
        expect(error.message).toContain(API_VERSIONS.join(', '));
        expect(error.details).toEqual([{ path: 'headers.x-api-version', message: `must be one of ${API_VERSIONS.join(', ')}` }]);
        expect(error.request_id).toBe(response.headers['x-request-id']);
        const projects = (await api.app.inject({ method: 'GET', url: '/api/v1/projects', headers: owner })).json().data;
        expect(projects.map((project: { name: string }) => project.name)).not.toContain(`versioned ${version}`);
      },
    );

    it('leaves the UI alone', async () => {
      const response = await api.app.inject({ method: 'GET', url: '/projects', headers: { 'x-api-version': '1999-01-01' } });
      expect(response.headers['x-api-version']).toBeUndefined();
      expect(response.statusCode).not.toBe(400);
    });
  });

  describe('methods a path does not declare', () => {
    it('answers 405 with Allow, in the error envelope, for every method every registry path lacks', async () => {
      let refusals = 0;
      for (const [path, declared] of declaredByPath()) {
        for (const method of probedMethods.filter((candidate) => !declared.has(candidate as HttpMethod))) {
          const response = await api.app.inject({ method, url: concrete(path), headers: owner });
          expect(response.statusCode, `${method} ${path}`).toBe(405);
          expect(response.headers.allow, `${method} ${path}`).toBe(allowFor(declared));
          expect(response.json()).toMatchObject({ success: false, error: { code: 'METHOD_NOT_ALLOWED', request_id: response.headers['x-request-id'] } });
          refusals += 1;
        }
      }
      // Most paths take one or two of the seven methods.
      expect(refusals).toBeGreaterThan(declaredByPath().size * 4);
    });

    it('says so without credentials too, and before reading a body it could not parse', async () => {
      const response = await api.app.inject({ method: 'PUT', url: '/api/v1/projects' });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
      const garbled = await api.app.inject({ method: 'PUT', url: '/api/v1/projects', headers: { 'content-type': 'application/json' }, payload: '{' });
      expect(garbled.statusCode).toBe(405);
      const untyped = await api.app.inject({ method: 'QUERY', url: '/api/v1/projects', payload: 'search' });
      expect(untyped.statusCode).toBe(405);
    });

    it('answers OPTIONS with 204 and the same Allow, and HEAD like GET', async () => {
      for (const [path, declared] of declaredByPath()) {
        const options = await api.app.inject({ method: 'OPTIONS', url: concrete(path) });
        expect(options.statusCode, path).toBe(204);
        expect(options.headers.allow, path).toBe(allowFor(declared));
      }
      const head = await api.app.inject({ method: 'HEAD', url: '/api/v1/projects', headers: owner });
      expect(head.statusCode).toBe(200);
    });

    it('covers routes beside the registry: the docs page and the OpenAPI document', async () => {
      const response = await api.app.inject({ method: 'POST', url: '/api/v1/openapi.json' });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
    });

    it('keeps 404 for paths that do not exist, under the API and in the UI', async () => {
      for (const [method, url] of [
        ['DELETE', '/api/v1/no-such-route'],
        ['GET', '/api/v1/projects/00000000-0000-4000-8000-000000000000/nothing'],
        ['POST', '/services/some-page'],
      ] as const) {
        const response = await api.app.inject({ method, url, headers: owner });
        expect(response.statusCode, `${method} ${url}`).toBe(404);
        expect(response.json().error.code).toBe('NOT_FOUND');
      }
    });
  });

  it('drops a __proto__ key of a JSON body instead of refusing the request', async () => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { ...owner, 'content-type': 'application/json' },
      payload: '{"name": "prototyped", "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().data.name).toBe('prototyped');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
