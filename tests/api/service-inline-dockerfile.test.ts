import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiResponse, Service } from '../../contracts/index.js';
import { maxInlineDockerfileBytes } from '../../contracts/build/inline-dockerfile.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/*
 * A dockerfile source may carry its Dockerfile's text (what "Generate Dockerfile → Accept" saves),
 * and a source's request shape is strict: a field it does not have is a 400, not dropped.
 */

type Headers = Record<string, string>;

const inline = 'FROM busybox\nCOPY . /app\nCMD ["httpd", "-f", "-p", "8080", "-h", "/app"]\n';

describe('a service with an inline Dockerfile', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Headers;
  let serverId: string;
  let projectId: string;
  let sequence = 0;

  beforeAll(async () => {
    api = await startTestApi('service_inline_dockerfile');
    owner = bearer(api.ownerToken);
    const orgId = (await bootstrappedOrganization(api.platform.db)).id;
    serverId = (await createServer(api.platform.db, orgId, 'inline-host')).server.id;
    const project = await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: owner, payload: { name: 'inline' } });
    projectId = project.json().data.id;
  });
  afterAll(async () => {
    await api?.close();
  });

  const create = (source: object) =>
    api.app.inject({ method: 'POST', url: `/api/v1/projects/${projectId}/services`, headers: owner, payload: { name: `svc-${++sequence}`, server_id: serverId, port: 8080, ...source } });
  const patch = (id: string, body: object) => api.app.inject({ method: 'PATCH', url: `/api/v1/services/${id}`, headers: owner, payload: body });
  const get = async (id: string) => apiResponse(Service).parse((await api.app.inject({ method: 'GET', url: `/api/v1/services/${id}`, headers: owner })).json()).data;
  const row = (id: string) => api.platform.db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const problems = (response: { json: () => { error: { code: string; details: { path: string; message: string }[] } } }) => response.json().error;

  it('is created, read back, replaced and cleared, keeping the build context, target, branch and build args', async () => {
    const config = { dockerfile_content: inline, build_context: 'site', target: 'final', branch: 'release', build_args: { MODE: 'prod' } };
    const created = await create({ source_type: 'dockerfile', source_config: config });
    expect(created.statusCode, created.body).toBe(201);
    const { data } = apiResponse(Service).parse(created.json());
    // No path beside it: the text is the Dockerfile, not a file of the repository.
    expect(data).toMatchObject({ source_type: 'dockerfile', source_config: config });
    expect(data.source_config).not.toHaveProperty('dockerfile_path');
    expect(await get(data.id)).toMatchObject({ source_config: config });
    expect(await row(data.id)).toMatchObject({ dockerfile_content: inline, dockerfile_path: null, build_context: 'site', build_target: 'final' });

    const replacement = 'FROM busybox\nCMD ["true"]\n';
    const replaced = await patch(data.id, { source_type: 'dockerfile', source_config: { ...config, dockerfile_content: replacement } });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect((await get(data.id)).source_config).toMatchObject({ dockerfile_content: replacement, build_context: 'site' });

    // Clearing it builds the repository's Dockerfile again, at the path given or the default.
    const { dockerfile_content: _cleared, ...withoutContent } = config;
    const cleared = await patch(data.id, { source_type: 'dockerfile', source_config: withoutContent });
    expect(cleared.statusCode, cleared.body).toBe(200);
    const after = await get(data.id);
    expect(after.source_config).toMatchObject({ dockerfile_path: './Dockerfile', build_context: 'site', target: 'final' });
    expect(after.source_config).not.toHaveProperty('dockerfile_content');
    expect((await row(data.id)).dockerfile_content).toBeNull();
  });

  it('is dropped when the service switches to another source', async () => {
    const { data } = (await create({ source_type: 'dockerfile', source_config: { dockerfile_content: inline } })).json();
    const switched = await patch(data.id, { source_type: 'nixpacks', source_config: {} });
    expect(switched.statusCode, switched.body).toBe(200);
    expect((await row(data.id)).dockerfile_content).toBeNull();
  });

  it('answers 400 for a path and a text together, for an empty or oversized text, and changes nothing', async () => {
    const { data } = (await create({ source_type: 'dockerfile', source_config: { dockerfile_path: 'docker/Dockerfile' } })).json();
    const before = await row(data.id);
    const oversized = 'FROM busybox\n' + `# ${'x'.repeat(maxInlineDockerfileBytes)}\n`;
    // Characters are not bytes: 40 000 three-byte characters are over the limit in UTF-8.
    const wide = `FROM busybox\n# ${'€'.repeat(40_000)}\n`;
    const cases: [object, string][] = [
      [{ dockerfile_path: 'Dockerfile', dockerfile_content: inline }, 'either dockerfile_path'],
      [{ dockerfile_content: oversized }, '64 KiB'],
      [{ dockerfile_content: wide }, '64 KiB'],
      [{ dockerfile_content: '' }, 'cannot be empty'],
    ];
    for (const [sourceConfig, message] of cases) {
      for (const response of [await create({ source_type: 'dockerfile', source_config: sourceConfig }), await patch(data.id, { source_type: 'dockerfile', source_config: sourceConfig })]) {
        expect(response.statusCode, response.body).toBe(400);
        const error = problems(response);
        expect(error.code).toBe('VALIDATION_ERROR');
        expect(error.details).toEqual([{ path: 'body.source_config.dockerfile_content', message: expect.stringContaining(message) }]);
      }
    }
    expect(await row(data.id)).toEqual(before);
  });

  it('answers 400 naming a source field the source type does not have, on create and on update, and changes nothing', async () => {
    const servicesBefore = await api.platform.db.selectFrom('services').select('id').execute();
    const unknown = await create({ source_type: 'nixpacks', source_config: { build_context: 'app' } });
    expect(unknown.statusCode, unknown.body).toBe(400);
    expect(problems(unknown)).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [{ path: 'body.source_config.build_context', message: 'Unknown field "build_context"' }],
    });
    expect(await api.platform.db.selectFrom('services').select('id').execute()).toHaveLength(servicesBefore.length);

    const { data } = (await create({ source_type: 'dockerfile', source_config: { build_context: 'app' } })).json();
    const before = await row(data.id);
    const bodies = [
      { source_type: 'nixpacks', source_config: { build_context: 'app' } },
      { source_type: 'dockerfile', source_config: { dockerfile: 'Dockerfile' } },
      { source_type: 'image', source_config: { image: { registry: 'ghcr.io', repository: 'a/b', tag: 'v1' }, build_args: {} } },
      { source_type: 'docker_compose', source_config: { compose_file: 'compose.yml', branch: 'main' } },
    ];
    const unknownKeys = ['build_context', 'dockerfile', 'build_args', 'branch'];
    for (const [index, body] of bodies.entries()) {
      const response = await patch(data.id, body);
      expect(response.statusCode, response.body).toBe(400);
      expect(problems(response).details).toEqual([{ path: `body.source_config.${unknownKeys[index]}`, message: `Unknown field "${unknownKeys[index]}"` }]);
    }
    expect(await row(data.id)).toEqual(before);
  });

  it('keeps write-only build secrets when a new build source leaves them out, and clears them with {} or a source without builds', async () => {
    const { data } = (await create({ source_type: 'dockerfile', source_config: { build_secrets: { NPM_TOKEN: 'npm-secret-value' } } })).json();
    const sealed = (await row(data.id)).build_secrets_encrypted;
    expect(sealed).not.toBeNull();

    // What the form sends on Accept: a whole new source with no build secrets in it.
    const accepted = await patch(data.id, { source_type: 'dockerfile', source_config: { dockerfile_content: inline } });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(await row(data.id)).toMatchObject({ dockerfile_content: inline, build_secrets_encrypted: sealed });
    expect((await patch(data.id, { source_type: 'nixpacks', source_config: {} })).statusCode).toBe(200);
    expect((await row(data.id)).build_secrets_encrypted).toEqual(sealed);

    expect((await patch(data.id, { source_type: 'nixpacks', source_config: { build_secrets: {} } })).statusCode).toBe(200);
    expect((await row(data.id)).build_secrets_encrypted).toBeNull();

    const again = (await create({ source_type: 'nixpacks', source_config: { build_secrets: { NPM_TOKEN: 'npm-secret-value' } } })).json().data;
    const image = { image: { registry: 'ghcr.io', repository: 'a/b', tag: 'v1' } };
    expect((await patch(again.id, { source_type: 'image', source_config: image })).statusCode).toBe(200);
    expect((await row(again.id)).build_secrets_encrypted).toBeNull();
  });
});
