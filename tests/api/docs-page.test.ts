import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi } from '../support/platform.js';

/** Every URL the page and its stylesheet load: src/href attributes and CSS url(…), data: URIs aside. */
function referencedUrls(html: string, css: string): string[] {
  const attributes = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  const cssUrls = [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((match) => match[1]!).filter((url) => !url.startsWith('data:'));
  return [...attributes, ...cssUrls];
}

describe('GET /api/v1/docs', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;

  beforeAll(async () => {
    api = await startTestApi('docs-page');
  });
  afterAll(async () => {
    await api?.close();
  });

  const get = (url: string) => api.app.inject({ method: 'GET', url });

  it('serves an HTML page that loads only same-origin assets, each of which is served', async () => {
    const response = await get('/api/v1/docs');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    const css = (await get('/api/v1/docs/swagger-ui.css')).body;
    const urls = referencedUrls(response.body, css);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) {
      expect(url, url).toMatch(/^\/api\/v1\/docs\//);
      const asset = await get(url);
      expect(asset.statusCode, url).toBe(200);
      expect(asset.body.length, url).toBeGreaterThan(0);
    }
  });

  it('holds the page to its own origin with a Content-Security-Policy', async () => {
    const policy = String((await get('/api/v1/docs')).headers['content-security-policy']);
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'"]) expect(policy).toContain(directive);
    expect(policy).not.toMatch(/https?:|\*/);
  });

  it('renders the served OpenAPI document with the online validator turned off', async () => {
    const init = await get('/api/v1/docs/init.js');
    expect(init.headers['content-type']).toMatch(/javascript/);
    expect(init.body).toContain('url: "/api/v1/openapi.json"');
    expect(init.body).toContain('validatorUrl: null');
    expect(init.body).not.toMatch(/https?:\/\//);
    const bundle = await get('/api/v1/docs/swagger-ui-bundle.js');
    expect(bundle.body).toContain('SwaggerUIBundle');
    const document = await get('/api/v1/openapi.json');
    expect(document.json().paths['/api/v1/alerts']).toBeDefined();
  });

  it('answers 404 for files of the package it does not publish', async () => {
    expect((await get('/api/v1/docs/package.json')).statusCode).toBe(404);
    expect((await get('/api/v1/docs/..%2f..%2fpackage.json')).statusCode).toBe(404);
  });
});
