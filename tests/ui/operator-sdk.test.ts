import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sentryDsn } from '../../agent/telemetry/dsn.js';
import { hashToken } from '../../contracts/tokens.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { rememberService, startTelemetryAgent } from '../support/telemetry-agent.js';
import { openOperatorBrowser } from './operator-stack.js';
import { ensureProductionUi } from './production-build.js';

/*
 * The operator's pages showing what unmodified apps reported: the stock @sentry/node and
 * OpenTelemetry SDKs, configured only by the variables the agent gives its containers, report to
 * a real agent (receiver, spool, sender), which sends to the real control plane (PostgreSQL,
 * chDB), as tests/ingest/sdk-to-api.test.ts does for the API. Chromium reads it back.
 */

const run = promisify(execFile);
const shopApp = fileURLToPath(new URL('./fixtures/shop-app.mjs', import.meta.url));
const otelApp = fileURLToPath(new URL('../agent/telemetry/fixtures/otel-app.mjs', import.meta.url));
const INGEST_TIMEOUT_MS = 45_000;

let api: Awaited<ReturnType<typeof startTestApi>>;
let agent: Awaited<ReturnType<typeof startTelemetryAgent>>;
let browser: Awaited<ReturnType<typeof openOperatorBrowser>>;
let baseUrl: string;
let projectId: string;
let serviceId: string;
let serverId: string;
let dsn: string;
const deploymentId = randomUUID();

beforeAll(async () => {
  await ensureProductionUi();
  api = await startTestApi('operator-sdk-ui');
  baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { db } = api.platform;
  const orgId = (await bootstrappedOrganization(db)).id;
  const { server, token } = await createServer(db, orgId, 'sdk-host');
  serverId = server.id;
  const project = await createProject(db, orgId, 'shop');
  projectId = project.id;
  serviceId = (await db.insertInto('services').values({ project_id: projectId, server_id: server.id, name: 'storefront', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()).id;
  agent = await startTelemetryAgent({ db, url: baseUrl, serverId: server.id, token, label: 'operator-sdk-ui' });
  await rememberService(agent.services, { serviceId, deploymentId, projectName: project.slug });
  dsn = sentryDsn(hashToken(token), serviceId, agent.telemetry.receiver.origin);
  browser = await openOperatorBrowser(baseUrl, api.ownerToken);
  await browser.signIn();
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await api?.close();
});

const shop = (release: string, orders: string, users: string) =>
  run(process.execPath, [shopApp], { env: { ...process.env, SENTRY_DSN: dsn, RELEASE: release, ORDERS: orders, USERS: users }, timeout: 30_000 });

describe("the operator's pages fed by the stock SDKs through a real agent", () => {
  afterEach(() => {
    expect(browser.pageErrors.splice(0)).toEqual([]);
  });

  it('lists the issues @sentry/node reported with their counts, shows the in-app frame and breadcrumbs, and sees a resolved one regress', async () => {
    const { page } = browser;
    await page.goto(`${baseUrl}/projects/${projectId}/issues`);
    await page.getByText('SENTRY_DSN').waitFor();
    await shop('shop@1.0.0', '1017,2044,3051,4099', 'ada,grace,ada,linus');
    // New issues join the open list live.
    const list = page.getByTestId('issue-list');
    const declined = list.locator('tr', { hasText: 'card declined for order' });
    const invoice = list.locator('tr', { hasText: 'TypeError' });
    await expect.poll(() => list.locator('tbody tr').count(), { timeout: INGEST_TIMEOUT_MS }).toBe(2);
    // Later events of a known issue change its counts, which the list reads again on a reload.
    await expect
      .poll(
        async () => {
          await page.reload();
          return declined.getByTestId('event-count').textContent();
        },
        { timeout: INGEST_TIMEOUT_MS, interval: 1_000 },
      )
      .toBe('4');
    expect(await invoice.getByTestId('event-count').textContent()).toBe('1');
    await browser.expectAccessible('sdk-issues');

    await declined.getByRole('link').click();
    const trace = page.getByRole('list', { name: 'Stack trace' });
    await trace.waitFor();
    // The app's own frame opens on its source line, read by the SDK from the file.
    await expect.poll(() => trace.getByText('throw new Error(`card declined for order ${orderId}`, { cause: new TypeError(`gateway timeout for order ${orderId}`) });').isVisible()).toBe(true);
    // Sentry's scope keeps the breadcrumbs of the earlier orders: every event carries the first.
    await page.getByRole('list', { name: 'Breadcrumbs' }).getByText('checkout of order 1017').waitFor();
    await page.getByRole('list', { name: 'Exception chain' }).getByText(/gateway timeout for order \d+/).waitFor();
    expect(await page.getByText('release shop@1.0.0').count()).toBeGreaterThan(0);
    await browser.expectAccessible('sdk-issue');

    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('button', { name: 'Reopen' }).waitFor();
    await page.getByRole('link', { name: 'All issues' }).click();
    await page.getByRole('button', { name: 'Regressed' }).click();
    await page.getByText('No regressed issues').waitFor();
    // The fixed bug again, from a release it was not seen in: regressed, heard live.
    await shop('shop@1.1.0', '5120', 'ada');
    await list.locator('tr', { hasText: 'card declined for order' }).getByText('regressed').waitFor({ timeout: INGEST_TIMEOUT_MS });
  });

  it('draws the OpenTelemetry SDK trace with its failed span nested under the root, and finds its log line', async () => {
    const { page } = browser;
    await run(process.execPath, [otelApp], {
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: agent.telemetry.receiver.origin.origin,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_SERVICE_NAME: 'storefront',
        OTEL_RESOURCE_ATTRIBUTES: `syntra.service_id=${serviceId},syntra.deployment_id=${deploymentId}`,
      },
      timeout: 30_000,
    });
    const traces = page.getByTestId('trace-list');
    await expect
      .poll(
        async () => {
          await page.goto(`${baseUrl}/services/${serviceId}/traces`);
          await page.getByRole('heading', { level: 1 }).waitFor();
          return traces.getByRole('link', { name: 'GET /checkout' }).count();
        },
        { timeout: INGEST_TIMEOUT_MS, interval: 1_000 },
      )
      .toBe(1);
    await traces.getByRole('link', { name: 'GET /checkout' }).click();
    const waterfall = page.getByTestId('waterfall');
    await waterfall.locator('li[data-span="SELECT orders"]').waitFor();
    expect(await waterfall.locator(':scope > li').evaluateAll((items) => items.map((item) => [item.getAttribute('data-span'), item.getAttribute('data-depth'), item.className]))).toEqual([
      ['GET /checkout', '0', ''],
      ['SELECT orders', '1', 'span-error'],
    ]);
    await waterfall.getByRole('button', { name: /SELECT orders/ }).click();
    await waterfall.getByText('deadlock detected').first().waitFor();
    await browser.expectAccessible('sdk-trace');

    await waterfall.getByRole('link', { name: 'Logs of this trace' }).click();
    const log = page.getByRole('log');
    await log.getByText('checkout failed').waitFor();
    await log.getByRole('link', { name: /^trace / }).click();
    await waterfall.locator('li[data-span="GET /checkout"]').waitFor();
  });

  it("charts the request the SDK traced, and the host series of the real agent's heartbeats", async () => {
    const { page } = browser;
    await page.goto(`${baseUrl}/services/${serviceId}/metrics`);
    // The SDK's trace (the test before): one request, its root span unset, so no error.
    const requests = page.getByTestId('request-stats');
    await requests.waitFor();
    expect(await requests.locator('[data-figure="requests"]').textContent()).toBe('1');
    expect(await requests.locator('[data-figure="error-rate"]').textContent()).toBe('0 %');
    await requests.locator('figure[data-metric="Requests per minute"] canvas').waitFor();
    // The agent beats as soon as it connects; each heartbeat's resources become the host's series.
    await page.goto(`${baseUrl}/servers/${serverId}/metrics`);
    const cpu = page.locator('figure[data-metric="host.cpu.usage_percent"]');
    await cpu.locator('canvas').waitFor({ timeout: INGEST_TIMEOUT_MS });
    expect(Number(await cpu.getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    await page.locator('figure[data-metric="host.memory.used_bytes"] canvas').waitFor();
    await browser.expectAccessible('sdk-server-metrics');
  });
});
