import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, bearer, bootstrappedOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

describe('rate limiting', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;

  beforeAll(async () => {
    api = await startTestApi('rate_limit', { SYNTRA_RATE_LIMIT_CALLER_PER_MINUTE: '3', SYNTRA_RATE_LIMIT_IP_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    await api?.close();
  });

  const list = (headers: Record<string, string>, remoteAddress: string) =>
    api.app.inject({ method: 'GET', url: '/api/v1/projects', headers, remoteAddress });

  it('answers 429 with Retry-After once a token has spent its budget, and then the address', async () => {
    const owner = bearer(api.ownerToken);
    const other = bearer((await addMember(api.platform.db, (await bootstrappedOrganization(api.platform.db)).id, 'viewer')).token);
    const address = '10.0.0.1';
    for (let i = 0; i < 3; i++) expect((await list(owner, address)).statusCode).toBe(200);

    const limited = await list(owner, address);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    // 3 per minute refill one every 20 s.
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(20);

    expect((await list(other, address)).statusCode).toBe(200);
    const addressSpent = await list(other, address);
    expect(addressSpent.statusCode).toBe(429);
    expect(addressSpent.json().error.message).toMatch(/address/);
  });

  it('throttles guessing: unauthenticated requests count against the address too', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await list(bearer(`syn_usr_${'x'.repeat(43)}`), '10.0.0.2')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('leaves the health check alone', async () => {
    for (let i = 0; i < 8; i++) {
      const response = await api.app.inject({ method: 'GET', url: '/api/v1/health', remoteAddress: '10.0.0.3' });
      expect(response.statusCode).not.toBe(429);
    }
  });
});
