import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiResponse, EnvVar } from '../../contracts/index.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

type Headers = Record<string, string>;

describe('environment variables', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Headers;
  let orgId: string;
  let serverId: string;
  let sequence = 0;

  beforeAll(async () => {
    api = await startTestApi('env_vars');
    owner = bearer(api.ownerToken);
    orgId = (await bootstrappedOrganization(api.platform.db)).id;
    serverId = (await createServer(api.platform.db, orgId, 'env-host')).server.id;
  });
  afterAll(async () => {
    await api?.close();
  });

  async function newService(headers: Headers = owner, body: Record<string, unknown> = {}): Promise<{ projectId: string; serviceId: string }> {
    const project = await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers, payload: { name: `env-project-${++sequence}` } });
    const projectId = project.json().data.id as string;
    const service = await api.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${projectId}/services`,
      headers,
      payload: { name: 'web', server_id: serverId, port: 80, source_type: 'nixpacks', source_config: {}, ...body },
    });
    return { projectId, serviceId: service.json().data.id as string };
  }

  const list = (serviceId: string, headers = owner, query = '') =>
    api.app.inject({ method: 'GET', url: `/api/v1/services/${serviceId}/env${query}`, headers });
  const put = (serviceId: string, variables: unknown, headers = owner) =>
    api.app.inject({ method: 'PUT', url: `/api/v1/services/${serviceId}/env`, headers, payload: { variables } as object });
  const remove = (serviceId: string, key: string, headers = owner) =>
    api.app.inject({ method: 'DELETE', url: `/api/v1/services/${serviceId}/env/${key}`, headers });

  it('replaces the whole set, answers { success: true, data: null }, and lists it back in order', async () => {
    const { serviceId } = await newService();
    const first = await put(serviceId, [
      { key: 'NODE_ENV', value: 'production' },
      { key: 'PORT', value: '8080', is_secret: false },
    ]);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ success: true, data: null });

    expect((await put(serviceId, [{ key: 'LOG_LEVEL', value: 'debug' }, { key: 'NODE_ENV', value: 'staging' }])).statusCode).toBe(200);
    const response = await list(serviceId);
    expect(response.statusCode).toBe(200);
    expect(apiResponse(z.array(EnvVar)).parse(response.json()).data).toEqual([
      { key: 'LOG_LEVEL', value: 'debug', is_secret: false },
      { key: 'NODE_ENV', value: 'staging', is_secret: false },
    ]);

    expect((await put(serviceId, [])).statusCode).toBe(200);
    expect((await list(serviceId)).json().data).toEqual([]);
  });

  it('keeps the env vars given when the service was created, as plain values', async () => {
    const { serviceId } = await newService(owner, { env_vars: { FEATURE_X: 'on' } });
    expect((await list(serviceId)).json().data).toEqual([{ key: 'FEATURE_X', value: 'on', is_secret: false }]);
  });

  it('deletes one variable with 204 and answers 404 for a key the service does not have', async () => {
    const { serviceId } = await newService();
    await put(serviceId, [
      { key: 'A', value: '1' },
      { key: 'B', value: '2', is_secret: true },
    ]);
    const response = await remove(serviceId, 'B');
    expect(response.statusCode).toBe(204);
    expect((await list(serviceId)).json().data).toEqual([{ key: 'A', value: '1', is_secret: false }]);

    const missing = await remove(serviceId, 'B');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });

  it('keeps both deletes when two different keys are deleted at once', async () => {
    const { serviceId } = await newService();
    await put(serviceId, ['A', 'B', 'C', 'D'].map((key) => ({ key, value: key })));
    const responses = await Promise.all(['A', 'B', 'C'].map((key) => remove(serviceId, key)));
    expect(responses.map((response) => response.statusCode)).toEqual([204, 204, 204]);
    expect((await list(serviceId)).json().data.map((variable: { key: string }) => variable.key)).toEqual(['D']);
  });

  it('answers 400 naming each failing field', async () => {
    const { serviceId } = await newService();
    const paths = async (variables: unknown[]) => {
      const response = await put(serviceId, variables);
      expect(response.statusCode).toBe(400);
      return response.json().error.details.map((problem: { path: string }) => problem.path).sort();
    };
    expect(await paths([{ key: '1BAD', value: 'x' }, { key: 'OK', value: 5 }])).toEqual(['body.variables.0.key', 'body.variables.1.value']);
    expect(await paths([{ key: 'DUP', value: 'a' }, { key: 'OTHER', value: 'b' }, { key: 'DUP', value: 'c' }])).toEqual(['body.variables.2.key']);
    expect((await remove(serviceId, 'not-a-name')).json().error.details[0].path).toBe('params.key');
    expect((await list(serviceId, owner, '?reveal=yes')).json().error.details[0].path).toBe('query.reveal');
    expect((await list(serviceId)).json().data).toEqual([]);
  });

  it("answers 404 for an unknown service and for another organization's, without touching it", async () => {
    const other = await otherOrganization(api.platform.db, 'env-hidden');
    const theirHeaders = bearer(other.ownerToken);
    const theirServer = (await createServer(api.platform.db, other.org.id, 'their-host')).server.id;
    const theirs = await newService(theirHeaders, { server_id: theirServer });
    await put(theirs.serviceId, [{ key: 'THEIRS', value: 'hidden-value' }], theirHeaders);

    for (const serviceId of [crypto.randomUUID(), theirs.serviceId]) {
      const responses = { list: await list(serviceId), put: await put(serviceId, [{ key: 'X', value: 'y' }]), delete: await remove(serviceId, 'THEIRS') };
      for (const [call, response] of Object.entries(responses)) {
        expect(response.statusCode, `${call} ${serviceId}`).toBe(404);
        expect(response.body).not.toContain('hidden-value');
      }
    }
    expect((await list(theirs.serviceId, theirHeaders)).json().data).toEqual([{ key: 'THEIRS', value: 'hidden-value', is_secret: false }]);
  });

  it("lets a project token reach only its project's env vars", async () => {
    const mine = await newService();
    const elsewhere = await newService();
    const token = bearer((await addMember(api.platform.db, orgId, 'developer', { projectId: mine.projectId })).token);
    expect((await put(mine.serviceId, [{ key: 'CI', value: '1' }], token)).statusCode).toBe(200);
    expect((await list(mine.serviceId, token)).json().data).toEqual([{ key: 'CI', value: '1', is_secret: false }]);
    expect((await list(elsewhere.serviceId, token)).statusCode).toBe(404);
    expect((await put(elsewhere.serviceId, [{ key: 'CI', value: '1' }], token)).statusCode).toBe(404);
    expect((await remove(elsewhere.serviceId, 'CI', token)).statusCode).toBe(404);
  });

  it('lets a viewer list but not write', async () => {
    const { serviceId } = await newService();
    await put(serviceId, [{ key: 'A', value: '1' }]);
    const viewer = bearer((await addMember(api.platform.db, orgId, 'viewer')).token);
    expect((await list(serviceId, viewer)).json().data).toEqual([{ key: 'A', value: '1', is_secret: false }]);
    expect((await put(serviceId, [{ key: 'A', value: '2' }], viewer)).statusCode).toBe(403);
    expect((await remove(serviceId, 'A', viewer)).statusCode).toBe(403);
  });

  it('records every change in the audit log by key, never by value', async () => {
    const { serviceId } = await newService();
    await put(serviceId, [
      { key: 'PLAIN', value: 'plain-value' },
      { key: 'TOKEN', value: 'secret-value', is_secret: true },
    ]);
    await remove(serviceId, 'PLAIN');
    const entries = await api.platform.db.selectFrom('audit_logs').selectAll().where('resource_id', '=', serviceId).orderBy('created_at').execute();
    expect(entries.map((entry) => [entry.action, entry.details])).toEqual([
      ['service.create', expect.anything()],
      ['env.update', expect.objectContaining({ keys: ['PLAIN', 'TOKEN'], secret_keys: ['TOKEN'] })],
      ['env.delete', expect.objectContaining({ key: 'PLAIN' })],
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/plain-value|secret-value/);
  });
});
