import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApi } from '../support/platform.js';
import { FIRST_PAGE_TIMEOUT_MS, launchBrowser } from './browser.js';

/*
 * `syntra dev` runs the API with SYNTRA_UI=dev: Vite in middleware mode inside the API process,
 * so the UI, its modules and hot reload share the API's URL.
 */
describe('the UI in development (SYNTRA_UI=dev)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;

  beforeAll(async () => {
    api = await startTestApi('ui-dev', { SYNTRA_UI: 'dev' });
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('serves index.html with the Vite client for any UI path, and the app modules from source', async () => {
    const page = await fetch(`${baseUrl}/services/some-id`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/@vite/client');
    expect(html).toContain('/src/main.tsx');
    const entry = await fetch(`${baseUrl}/src/main.tsx`);
    expect(entry.status).toBe(200);
    expect(entry.headers.get('content-type')).toContain('javascript');
    expect(await entry.text()).toContain('createRoot');
  });

  it('leaves the API its own: an unknown API path is still a JSON 404, health still answers', async () => {
    const miss = await fetch(`${baseUrl}/api/v1/no-such-route`);
    expect(miss.status).toBe(404);
    expect(await miss.json()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    expect((await fetch(`${baseUrl}/api/v1/health`)).headers.get('content-type')).toContain('application/json');
  });

  it('accepts the hot-reload socket on the same port', async () => {
    const socket = new WebSocket(baseUrl.replace('http', 'ws'), 'vite-hmr');
    const first = await new Promise<string>((resolve, reject) => {
      socket.once('message', (data) => resolve(String(data)));
      socket.once('error', reject);
    });
    socket.close();
    expect(JSON.parse(first)).toMatchObject({ type: 'connected' });
  });

  it('runs in Chromium under its Content-Security-Policy: the React preamble and hot reload are allowed', async () => {
    const policy = (await fetch(baseUrl)).headers.get('content-security-policy') ?? '';
    // Allowed by the preamble's hash, not by 'unsafe-inline'.
    expect(policy).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const refused: string[] = [];
      const logged: string[] = [];
      page.on('console', (message) => {
        logged.push(message.text());
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) refused.push(message.text());
      });
      page.on('pageerror', (error) => refused.push(error.message));
      await page.goto(baseUrl);
      await page.getByRole('heading', { name: 'Sign in to Syntra' }).waitFor({ timeout: FIRST_PAGE_TIMEOUT_MS });
      await expect.poll(() => logged.some((text) => text.includes('[vite] connected'))).toBe(true);
      expect(refused).toEqual([]);
    } finally {
      await browser.close();
    }
  }, FIRST_PAGE_TIMEOUT_MS + 30_000);
});
