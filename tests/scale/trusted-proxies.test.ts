import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { startTestApi } from '../support/platform.js';

/*
 * Behind a load balancer every connection comes from the balancer: the per-IP limit must count the
 * clients it forwards for (X-Forwarded-For), and only when the connection is from a proxy named in
 * SYNTRA_TRUSTED_PROXIES; anyone else's X-Forwarded-For is ignored.
 */
describe('client addresses behind trusted proxies', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  const balancer = '10.20.0.5';

  beforeAll(async () => {
    api = await startTestApi('trusted_proxies', { SYNTRA_TRUSTED_PROXIES: '10.20.0.0/24, 192.0.2.1', SYNTRA_RATE_LIMIT_IP_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await api?.close();
  });

  const fromBalancerItself = () => api.app.inject({ method: 'GET', url: '/api/v1/openapi.json', remoteAddress: balancer });
  const through = (remoteAddress: string, forwardedFor: string) =>
    api.app.inject({ method: 'GET', url: '/api/v1/openapi.json', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });

  it('limits each forwarded client on its own, and a client that forges the header by its own address', async () => {
    expect((await through(balancer, '203.0.113.7')).statusCode).toBe(200);
    expect((await through(balancer, '203.0.113.7')).statusCode).toBe(200);
    expect((await through(balancer, '203.0.113.7')).statusCode).toBe(429);
    // Another client behind the same balancer has its own budget, and so has the balancer itself.
    expect((await through(balancer, '203.0.113.8')).statusCode).toBe(200);
    expect((await fromBalancerItself()).statusCode).toBe(200);
    // Not a trusted proxy: its X-Forwarded-For changes nothing, it is counted by its own address.
    const forger = '198.51.100.9';
    expect((await through(forger, '203.0.113.50')).statusCode).toBe(200);
    expect((await through(forger, '203.0.113.51')).statusCode).toBe(200);
    expect((await through(forger, '203.0.113.52')).statusCode).toBe(429);
  });

  it('refuses a list that is not addresses', () => {
    expect(() => loadConfig({ SYNTRA_TRUSTED_PROXIES: 'balancer.internal' })).toThrow(/SYNTRA_TRUSTED_PROXIES/);
  });
});
