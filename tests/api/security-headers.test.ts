import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from '../support/platform.js';

type TestApi = Awaited<ReturnType<typeof startTestApi>>;

/** A Content-Security-Policy header as directive name → its sources. */
function policyOf(header: unknown): Map<string, string[]> {
  expect(typeof header, 'Content-Security-Policy').toBe('string');
  const directives = String(header)
    .split(';')
    .map((directive) => directive.trim().split(/\s+/))
    .filter(([name]) => name);
  return new Map(directives.map(([name, ...sources]) => [name!, sources]));
}

const get = (api: TestApi, url: string) => api.app.inject({ method: 'GET', url });

/** The UI, the API (an answer and a refusal), and the docs page. */
const surfaces = ['/', '/services/any', '/api/v1/health', '/api/v1/no-such-route', '/api/v1/docs'];

const login = (api: TestApi) => api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { token: api.ownerToken } });

// One platform per process (chDB): the https setup starts after the http one is closed.
describe('browser security headers, public URL over http', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi('headers-http');
  });
  afterAll(async () => {
    await api?.close();
  });

  it.each(surfaces)('%s may not be framed, sniffed or leak its URL to other sites', async (url) => {
    const { headers } = await get(api, url);
    expect(policyOf(headers['content-security-policy']).get('frame-ancestors')).toEqual(["'none'"]);
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('same-origin');
    // Browsers would lock a plain-http setup out for a year.
    expect(headers['strict-transport-security']).toBeUndefined();
  });

  it('holds the UI and the API to their own origin: no inline script, no other host', async () => {
    for (const url of ['/', '/api/v1/health']) {
      const policy = policyOf((await get(api, url)).headers['content-security-policy']);
      expect(policy.get('default-src')).toEqual(["'self'"]);
      expect(policy.get('script-src')).toEqual(["'self'"]);
      expect(policy.get('style-src')).toEqual(["'self'"]);
      expect(policy.get('object-src')).toEqual(["'none'"]);
      expect(policy.get('base-uri')).toEqual(["'none'"]);
      // socket.io's websocket, to the public URL's host.
      expect(policy.get('connect-src')).toEqual(["'self'", `ws://${new URL(api.config.publicUrl).host}`]);
      expect(policy.has('upgrade-insecure-requests')).toBe(false);
    }
  });

  it('lets the docs page style itself from script, and nothing more', async () => {
    const policy = policyOf((await get(api, '/api/v1/docs')).headers['content-security-policy']);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('form-action')).toEqual(["'none'"]);
  });

  it('sets the session cookie without Secure, so a plain-http setup can sign in', async () => {
    const response = await login(api);
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(String(response.headers['set-cookie'])).not.toContain('Secure');
  });
});

describe('browser security headers, public URL over https', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi('headers-https', { SYNTRA_PUBLIC_URL: 'https://deploy.example.com' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it.each(surfaces)('%s sends HSTS', async (url) => {
    expect((await get(api, url)).headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('has the UI upgrade plain-http requests and open its websocket over TLS', async () => {
    const policy = policyOf((await get(api, '/')).headers['content-security-policy']);
    expect(policy.has('upgrade-insecure-requests')).toBe(true);
    expect(policy.get('connect-src')).toEqual(["'self'", 'wss://deploy.example.com']);
  });

  // The request itself is plain http here, as behind a proxy that ends TLS: the public URL decides.
  it('marks the session cookie Secure', async () => {
    const response = await login(api);
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).toMatch(/; Secure(;|$)/);
  });
});
