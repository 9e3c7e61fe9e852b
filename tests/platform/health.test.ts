import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from '../support/platform.js';

describe('GET /api/v1/health', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  beforeAll(async () => {
    api = await startTestApi('health');
  });
  afterAll(async () => {
    await api?.close();
  });

  it('reports PostgreSQL, ClickHouse and Temporal up, with their versions', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toMatch(/^req_/);
    const body = response.json();
    expect(body.success).toBe(true);
    expect(body.data.status).toBe('ok');
    const { postgres, clickhouse, temporal } = body.data.dependencies;
    expect(postgres).toMatchObject({ status: 'up', mode: 'external' });
    expect(postgres.version).toMatch(/^\d+\.\d+/);
    expect(clickhouse).toMatchObject({ status: 'up', mode: 'embedded' });
    expect(clickhouse.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(temporal).toMatchObject({ status: 'up', details: { namespace: api.config.TEMPORAL_NAMESPACE } });
    expect(temporal.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('keeps a caller-supplied request id', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/health', headers: { 'x-request-id': 'trace-1234abcd' } });
    expect(response.headers['x-request-id']).toBe('trace-1234abcd');
  });

  it('answers an unknown route with the contract error envelope', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    const body = response.json();
    expect(body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    expect(body.error.request_id).toBe(response.headers['x-request-id']);
  });

  it('reports 503 naming the dependency that is down', async () => {
    await api.platform.db.destroy();
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(body.error.details.dependencies.postgres.status).toBe('down');
    expect(body.error.details.dependencies.clickhouse.status).toBe('up');
    expect(body.error.details.dependencies.temporal.status).toBe('up');
  });
});
