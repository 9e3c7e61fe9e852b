// The UI's production bundle (gzip) and the time to first render of the service page in Chromium,
// against a real control plane (embedded PostgreSQL, Temporal) serving ui/dist.
// Usage: npx tsx bench/ui-first-render.ts [runs=20]
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { issueToken } from '../contracts/tokens.js';
import { uiDist } from '../api/http/ui/plugin.js';
import { ensureProductionUi } from '../tests/ui/production-build.js';
import { startBenchControlPlane } from './support/control-plane.js';

const runs = Number(process.argv[2] ?? 20);
const historyLength = 20;

await ensureProductionUi();
const gzipKb = async (file: string) => gzipSync(await readFile(path.join(uiDist, file))).length / 1024;
const sumKb = async (files: string[]) => (await Promise.all(files.map(gzipKb))).reduce((sum, kb) => sum + kb, 0);
const allAssets = (await readdir(path.join(uiDist, 'assets'))).map((file) => `assets/${file}`);
const allKb = await sumKb(['index.html', ...allAssets]);

const ownerToken = issueToken('usr').token;
const controlPlane = await startBenchControlPlane({ SYNTRA_BOOTSTRAP_TOKEN: ownerToken });
const headers = { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' };
const post = async (url: string, body: unknown) => {
  const response = await fetch(`${controlPlane.url}/api/v1${url}`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { data: { id?: string; server_id?: string } }).data;
};
const { server_id: serverId } = await post('/servers', { name: 'bench-host' });
const { id: projectId } = await post('/projects', { name: 'bench' });
const { id: serviceId } = await post(`/projects/${projectId}/services`, {
  name: 'web',
  server_id: serverId,
  port: 8080,
  source_type: 'image',
  source_config: { image: { registry: 'registry.example.com', repository: 'bench/web', tag: 'v1' } },
});
// A history to draw: finished deployments, as a service in use has them.
for (let index = 0; index < historyLength; index++) {
  const at = new Date(Date.now() - (historyLength - index) * 60_000);
  await controlPlane.db
    .insertInto('deployments')
    .values({ service_id: serviceId!, status: 'running', trigger_type: 'manual', created_at: at, started_at: at, finished_at: new Date(at.getTime() + 4_000) })
    .execute();
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const servicePage = `${controlPlane.url}/services/${serviceId}`;
const rendered = '[data-testid="deployment-history"] tbody tr';

/*
 * Milliseconds from navigation start to the first frame with the history drawn, by the page's own
 * clock: a script in the page checks every frame, so Playwright's round trips are not counted.
 */
declare global {
  interface Window {
    firstRenderMs?: number;
  }
}
// Text, not a function: tsx would wrap a function with helpers the page does not have.
const watchFirstRender = `(() => {
  const check = () => {
    if (document.querySelector(${JSON.stringify(rendered)})) window.firstRenderMs = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();`;
async function firstRender(page: import('playwright-core').Page): Promise<number> {
  await page.goto(servicePage);
  await page.waitForFunction(() => window.firstRenderMs !== undefined);
  return page.evaluate(() => window.firstRenderMs!);
}
/** What the page fetched of ui/dist, by the Performance API: the entry, the service area's chunks, CSS. */
const fetchedAssets = (page: import('playwright-core').Page) =>
  page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname.slice(1)).filter((file) => file.startsWith('assets/')));

let firstLoadFiles: string[] = [];
const cold: number[] = [];
const warm: number[] = [];
for (let run = 0; run < runs; run++) {
  // A new context has an empty cache and must sign in; its first load is cold, its second warm.
  const context = await browser.newContext();
  const login = await context.request.post(`${controlPlane.url}/api/v1/auth/login`, { data: { token: ownerToken } });
  if (!login.ok()) throw new Error(`login answered ${login.status()}`);
  await context.addInitScript({ content: watchFirstRender });
  const page = await context.newPage();
  cold.push(await firstRender(page));
  if (run === 0) firstLoadFiles = ['index.html', ...new Set(await fetchedAssets(page))];
  warm.push(await firstRender(page));
  await context.close();
}
await browser.close();
await controlPlane.stop();

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const row = (label: string, values: number[]) =>
  `| ${label} | ${percentile(values, 50).toFixed(0)} ms | ${percentile(values, 90).toFixed(0)} ms | ${Math.max(...values).toFixed(0)} ms |`;
console.log(`first load of the service page: ${firstLoadFiles.length} files, ${(await sumKb(firstLoadFiles)).toFixed(1)} KB gzip; every chunk: ${allKb.toFixed(1)} KB gzip`);
for (const file of firstLoadFiles) console.log(`  ${file}: ${(await gzipKb(file)).toFixed(1)} KB`);
console.log(`service page with ${historyLength} deployments, ${runs} runs:`);
console.log('| load | p50 | p90 | max |\n|---|---|---|---|');
console.log(row('cold (empty cache)', cold));
console.log(row('warm (cached assets)', warm));
