// The long lists of the operator's UI in Chromium, against a real control plane (embedded
// PostgreSQL, chDB, Temporal) serving the production ui/dist: a project's issue list with 10,000
// issues against one with 100, and a trace's waterfall of 2,000 spans against one of 20, measured
// in the same run, interleaved. Times are the page's own clock (Performance API).
// Usage: npx tsx bench/ui-lists.ts [runs=5]
import { randomBytes, randomUUID } from 'node:crypto';
import { chromium, type Page } from 'playwright-core';
import { chromiumPath } from '../cli/prerequisites.js';
import type { TraceSpan } from '../contracts/index.js';
import { spanBlockOf } from '../db/clickhouse/traces.js';
import { insertEncoded, jsonColumns } from '../db/clickhouse/writer.js';
import { ensureProductionUi } from '../tests/ui/production-build.js';
import { benchOwner, startBenchControlPlane } from './support/control-plane.js';

const runs = Number(process.argv[2] ?? 5);
const issueSizes = [100, 10_000] as const;
const spanSizes = [20, 2_000] as const;

await ensureProductionUi();
const owner = benchOwner();
const controlPlane = await startBenchControlPlane(owner.environment);
const { db, platform } = controlPlane;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const now = Date.now();
const org = await db.selectFrom('organizations').select('id').where('slug', '!=', 'bench').executeTakeFirstOrThrow();
const server = await db.insertInto('servers').values({ org_id: org.id, name: 'host', agent_token_hash: hex(32) }).returning('id').executeTakeFirstOrThrow();

/** A project of `size` issues of one service, last seen a minute apart. */
async function projectWithIssues(size: number): Promise<string> {
  const project = await db.insertInto('projects').values({ org_id: org.id, name: `issues-${size}`, slug: `issues-${size}` }).returning('id').executeTakeFirstOrThrow();
  const service = await db.insertInto('services').values({ project_id: project.id, server_id: server.id, name: 'web', source_type: 'image' }).returning('id').executeTakeFirstOrThrow();
  for (let offset = 0; offset < size; offset += 1_000) {
    await db
      .insertInto('error_groups')
      .values(
        Array.from({ length: Math.min(1_000, size - offset) }, (_, step) => {
          const index = offset + step;
          return {
            service_id: service.id,
            fingerprint: hex(32),
            title: `TypeError: Cannot read properties of undefined (reading 'field${index}')`,
            exception_type: 'TypeError',
            first_seen_at: new Date(now - 7 * 86_400_000),
            last_seen_at: new Date(now - index * 60_000),
            event_count: 1 + (index % 500),
            user_count: index % 50,
          };
        }),
      )
      .execute();
  }
  return project.id;
}

/** A trace of `size` spans: a server root, ten handlers under it, the rest spread under those three deep. */
async function traceOf(size: number, serviceId: string): Promise<string> {
  const traceId = hex(16);
  const ids = Array.from({ length: size }, () => hex(8));
  const parentOf = (index: number) => (index === 0 ? undefined : index <= 10 ? ids[0] : ids[Math.floor((index - 1) / 3)]);
  const spans: TraceSpan[] = ids.map((spanId, index) => ({
    trace_id: traceId,
    span_id: spanId,
    ...(index === 0 ? {} : { parent_span_id: parentOf(index)! }),
    service_id: serviceId,
    deployment_id: randomUUID(),
    operation_name: index === 0 ? 'GET /feed' : `SELECT items ${index}`,
    span_kind: index === 0 ? 'server' : 'client',
    start_time_ns: (now + index / 10) * 1e6,
    duration_ns: index === 0 ? (size / 10 + 5) * 1e6 : 2e6,
    status: { code: index % 97 === 0 ? 'error' : 'unset' },
    attributes: { 'db.system': 'postgresql' },
    events: [],
  }));
  await insertEncoded(platform.clickhouse.client, 'traces', jsonColumns, [spanBlockOf(spans)]);
  return traceId;
}

const issueProjects = new Map<number, string>();
for (const size of issueSizes) issueProjects.set(size, await projectWithIssues(size));
const traceService = (await db.selectFrom('services').select('id').executeTakeFirstOrThrow()).id;
const traces = new Map<number, string>();
for (const size of spanSizes) traces.set(size, await traceOf(size, traceService));

declare global {
  interface Window {
    drawnMs?: number;
  }
}
// Text, not a function: tsx would wrap a function with helpers the page does not have.
// The first animation frame in which `selector` is in the DOM, by the page's clock. With `scrollBox`,
// each frame until then also scrolls that box to its end, as a hand dragging its scrollbar down
// would: rows measured taller than estimated lengthen the list as it is drawn.
const watchFor = (selector: string, from: string, scrollBox?: string) => `(() => {
  window.drawnMs = undefined;
  const started = ${from};
  const check = () => {
    if (document.querySelector(${JSON.stringify(selector)})) return void (window.drawnMs = performance.now() - started);
    ${scrollBox ? `const box = document.querySelector(${JSON.stringify(scrollBox)}); box.scrollTo(0, box.scrollHeight);` : ''}
    requestAnimationFrame(check);
  };
  check();
})()`;

async function drawn(page: Page): Promise<number> {
  await page.waitForFunction(() => window.drawnMs !== undefined, undefined, { timeout: 60_000 });
  return page.evaluate(() => window.drawnMs!);
}

/** React Router follows pushState + popstate as it follows the back button: a navigation inside the app, as a click on a link is. */
const goInApp = (path: string) => `history.pushState(null, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'));`;

/**
 * Loads the page (from navigation start) until `first` is drawn; opens it again from the projects
 * page inside the app (no script to start: its data fetched and drawn); then scrolls its box to
 * the end until `last` is drawn.
 */
async function openAndScroll(page: Page, path: string, first: string, last: string, box: string) {
  await page.goto('about:blank');
  // From the response on: the script and the data load after it, so the watch is in place before anything is drawn.
  await page.goto(`${controlPlane.url}${path}`, { waitUntil: 'commit' });
  await page.evaluate(watchFor(first, '0'));
  const loadMs = await drawn(page);
  await page.evaluate(goInApp('/projects'));
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.evaluate(`${watchFor(first, 'performance.now()')}; ${goInApp(path)}`);
  const openMs = await drawn(page);
  await page.evaluate(watchFor(last, 'performance.now()', box));
  const scrollMs = await drawn(page);
  return { loadMs, openMs, scrollMs, rowsInDom: await page.locator(`${box} [data-index]`).count() };
}

/** Scrolls the issue list to its end until every issue is read, so the jump back measures drawing with all of them held. */
async function readAllIssues(page: Page, size: number) {
  const box = page.getByRole('region', { name: 'Issues' });
  const lastRow = page.locator(`tr[data-index="${size - 1}"]`);
  while ((await lastRow.count()) === 0) {
    await box.evaluate((element) => element.scrollTo(0, element.scrollHeight));
    await page.waitForTimeout(20);
  }
  await page.evaluate(watchFor('tr[data-index="0"]', 'performance.now()'));
  await box.evaluate((element) => element.scrollTo(0, 0));
  return { backToTopMs: await drawn(page), rowsInDom: await page.locator('tr[data-index]').count() };
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const login = await context.request.post(`${controlPlane.url}/api/v1/auth/login`, { data: { token: owner.token } });
if (!login.ok()) throw new Error(`login answered ${login.status()}`);
const page = await context.newPage();
// One load first, so every measured load finds the chunks cached: what is measured is drawing.
await page.goto(`${controlPlane.url}/projects/${issueProjects.get(100)}/issues`);
await page.locator('tr[data-index="0"]').waitFor();

type Sample = Record<string, number>;
const samples = new Map<string, Sample[]>();
const record = (label: string, sample: Sample) => samples.set(label, [...(samples.get(label) ?? []), sample]);
for (let run = 0; run < runs; run++) {
  for (const size of issueSizes) {
    const opened = await openAndScroll(page, `/projects/${issueProjects.get(size)}/issues`, 'tr[data-index="0"]', 'tr[data-index="99"]', '[role="region"][aria-label="Issues"]');
    const all = await readAllIssues(page, size);
    record(`issues ${size}`, { 'page load': opened.loadMs, 'open in app': opened.openMs, 'scroll to row 100': opened.scrollMs, 'back to top, all read': all.backToTopMs, 'rows in DOM': all.rowsInDom });
  }
  for (const size of spanSizes) {
    const opened = await openAndScroll(page, `/traces/${traces.get(size)}`, 'li[data-index="0"]', `li[data-index="${size - 1}"]`, '[role="region"][aria-label="Spans"]');
    record(`spans ${size}`, { 'page load': opened.loadMs, 'open in app': opened.openMs, 'scroll to the end': opened.scrollMs, 'rows in DOM': opened.rowsInDom });
  }
}
await browser.close();
await controlPlane.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const worst = (values: number[]) => Math.max(...values);
console.log(`${runs} runs, chunks cached, Chromium ${browser.version()}; ms from navigation start (page load), from the in-app navigation (open in app) or from the scroll`);
for (const [label, list] of samples) {
  const fields = Object.keys(list[0]!);
  console.log(`${label}: ${fields.map((field) => `${field} p50 ${median(list.map((each) => each[field]!)).toFixed(0)} / max ${worst(list.map((each) => each[field]!)).toFixed(0)}`).join(', ')}`);
}
for (const [small, large] of [[`issues ${issueSizes[0]}`, `issues ${issueSizes[1]}`], [`spans ${spanSizes[0]}`, `spans ${spanSizes[1]}`]] as const) {
  for (const field of ['page load', 'open in app']) {
    const p50 = (label: string) => median(samples.get(label)!.map((each) => each[field]!));
    console.log(`${field} ratio ${large} / ${small}: ${(p50(large) / p50(small)).toFixed(2)}x`);
  }
}
