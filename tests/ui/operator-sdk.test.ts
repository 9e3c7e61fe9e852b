import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../agent/runtime/docker.js';
import { sentryDsn } from '../../agent/telemetry/dsn.js';
import { AlertEvaluator } from '../../api/alerting/alert-evaluator.js';
import { incidentSummaryLabel } from '../../control/ai/builtin/incident-summary.js';
import { hashToken } from '../../contracts/tokens.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { buildTestImages, docker, TEST_IMAGES } from '../support/docker.js';
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
const otelApp = fileURLToPath(new URL('./fixtures/otel-app.mjs', import.meta.url));
const INGEST_TIMEOUT_MS = 45_000;
const LIVE_TAIL_MS = 2_000;

let api: Awaited<ReturnType<typeof startTestApi>>;
let agent: Awaited<ReturnType<typeof startTelemetryAgent>>;
let browser: Awaited<ReturnType<typeof openOperatorBrowser>>;
let baseUrl: string;
let projectId: string;
let projectName: string;
let serviceId: string;
let serverId: string;
let dsn: string;
let deploymentId: string;
let containerId: string | undefined;

beforeAll(async () => {
  await ensureProductionUi();
  api = await startTestApi('operator-sdk-ui');
  baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { db } = api.platform;
  const orgId = (await bootstrappedOrganization(db)).id;
  const { server, token } = await createServer(db, orgId, 'sdk-host');
  serverId = server.id;
  const project = await createProject(db, orgId, 'shop');
  ({ id: projectId, name: projectName } = project);
  serviceId = (await db.insertInto('services').values({ project_id: projectId, server_id: server.id, name: 'storefront', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()).id;
  // A deployment on record: an incident's summary names the service's last one.
  deploymentId = (await db.insertInto('deployments').values({ service_id: serviceId }).returning('id').executeTakeFirstOrThrow()).id;
  // Containers sampled every second rather than every 15 s: the metrics test waits for a few samples.
  agent = await startTelemetryAgent({ db, url: baseUrl, serverId: server.id, token, label: 'operator-sdk-ui', containerMetricsIntervalMs: 1_000 });
  await rememberService(agent.services, { serviceId, deploymentId, projectName: project.slug });
  dsn = sentryDsn(hashToken(token), serviceId, agent.telemetry.receiver.origin);
  browser = await openOperatorBrowser(baseUrl, api.ownerToken);
  await browser.signIn();
});

afterAll(async () => {
  await browser?.close();
  if (containerId) await docker('rm', '-f', containerId);
  await agent?.stop();
  await api?.close();
});

const shop = (release: string, orders: string, users: string) =>
  run(process.execPath, [shopApp], { env: { ...process.env, SENTRY_DSN: dsn, RELEASE: release, ORDERS: orders, USERS: users }, timeout: 30_000 });

/** The checkout app on the OpenTelemetry SDK, with the variables the agent gives its containers; `LOG_LINE` makes it log only that line. */
const checkout = (env: { LOG_LINE?: string } = {}) =>
  run(process.execPath, [otelApp], {
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: agent.telemetry.receiver.origin.origin,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'storefront',
      OTEL_RESOURCE_ATTRIBUTES: `syntra.service_id=${serviceId},syntra.deployment_id=${deploymentId}`,
      ...env,
    },
    timeout: 30_000,
  });

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

  it("shows the OpenTelemetry SDK's trace: five spans nested under its root, the failed one marked, and the failed span's log line", async () => {
    const { page } = browser;
    await checkout();
    const traces = page.getByTestId('trace-list');
    const checkoutTrace = traces.getByRole('link', { name: 'POST /checkout' });
    await expect
      .poll(
        async () => {
          await page.goto(`${baseUrl}/services/${serviceId}/traces`);
          await page.getByRole('heading', { level: 1 }).waitFor();
          return checkoutTrace.count();
        },
        { timeout: INGEST_TIMEOUT_MS, interval: 1_000 },
      )
      .toBe(1);
    // The app timed its spans: the root took 120 ms.
    await page.getByLabel('Errors only').check();
    await page.getByLabel('Slower than (ms)').fill('100');
    await page.getByRole('button', { name: 'Filter' }).click();
    await checkoutTrace.waitFor();
    await page.getByLabel('Slower than (ms)').fill('500');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No traces in the last day match.').waitFor();
    await page.getByLabel('Slower than (ms)').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await browser.expectAccessible('sdk-traces');

    await checkoutTrace.click();
    const waterfall = page.getByTestId('waterfall');
    await waterfall.locator('li[data-span="send receipt"]').waitFor();
    expect(await waterfall.locator(':scope > li').evaluateAll((items) => items.map((item) => [item.getAttribute('data-span'), item.getAttribute('data-depth')]))).toEqual([
      ['POST /checkout', '0'],
      ['load cart', '1'],
      ['SELECT carts', '2'],
      ['charge card', '1'],
      ['send receipt', '1'],
    ]);
    expect(await waterfall.locator('li.span-error').evaluateAll((items) => items.map((item) => item.getAttribute('data-span')))).toEqual(['charge card']);
    await waterfall.getByRole('button', { name: /charge card/ }).click();
    // The SDK's recordException: an `exception` event with the error's type and message.
    await waterfall.getByText('PaymentError').first().waitFor();
    await waterfall.getByText('card declined').first().waitFor();
    await browser.expectAccessible('sdk-trace');

    await waterfall.getByRole('link', { name: 'Logs of this trace' }).click();
    const log = page.getByRole('log');
    await log.getByText('charging card 4242').waitFor();
    expect(await log.locator('div').count()).toBe(1);
    await log.getByRole('link', { name: /^trace / }).click();
    await waterfall.locator('li[data-span="POST /checkout"]').waitFor();
  });

  it('searches the log lines the SDK sent, narrows them by level, and tails a line the app logs while the page is open', async () => {
    const { page } = browser;
    await page.goto(`${baseUrl}/services/${serviceId}/logs`);
    const log = page.getByRole('log');
    await log.getByText('listening on 3000').waitFor();
    await page.getByLabel('Search').fill('warmed');
    await page.getByRole('button', { name: 'Search' }).click();
    await log.getByText('cache warmed in 40 ms').waitFor();
    expect(await log.getByText('listening on 3000').count()).toBe(0);
    await page.getByLabel('Search').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByLabel('Level').selectOption('error');
    await log.getByText('charging card 4242').waitFor();
    expect(await log.getByText('listening on 3000').count()).toBe(0);
    await page.getByLabel('Time range').selectOption('15m');
    await browser.expectAccessible('sdk-logs');

    await page.goto(`${baseUrl}/services/${serviceId}/logs`);
    await log.getByText('listening on 3000').waitFor();
    // The app's exporter has delivered the line to the agent when it exits; the agent would send it
    // at its next batch interval (5 s), so it is made to send now and the tail is timed from there.
    await checkout({ LOG_LINE: 'order 981 shipped' });
    const sentAt = Date.now();
    await agent.telemetry.flush();
    await log.getByText('order 981 shipped').waitFor({ timeout: LIVE_TAIL_MS });
    expect(Date.now() - sentAt).toBeLessThan(LIVE_TAIL_MS);
  });

  it("sums up the service, charts the request the SDK traced, a running container's CPU and memory and the host series, all as the real agent sent them", async () => {
    const { page } = browser;
    await buildTestImages();
    // A container of the service on this agent's server, labelled as the agent labels what it
    // deploys: its collector samples every such container (deploying through the agent is
    // tests/agent/telemetry/containers.test.ts's part).
    const labels = { [LABEL.managed]: 'true', [LABEL.serverId]: serverId, [LABEL.serviceId]: serviceId, [LABEL.deploymentId]: deploymentId };
    containerId = await docker('run', '-d', ...Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]), `${TEST_IMAGES.httpV1.repository}:${TEST_IMAGES.httpV1.tag}`);
    // The service's page: its two open issues (one regressed, one unresolved) and the traced request's figures.
    await page.goto(`${baseUrl}/services/${serviceId}`);
    const health = page.getByTestId('service-health');
    await expect.poll(() => health.locator('[data-figure="open-issues"]').textContent()).toBe('2');
    await expect.poll(() => health.locator('[data-figure="error-rate"]').textContent()).toBe('0 %');
    expect(await health.locator('[data-figure="p95"]').textContent()).toBe('120 ms');
    await browser.expectAccessible('sdk-service-health');
    await page.goto(`${baseUrl}/services/${serviceId}/metrics`);
    // The SDK's trace (the traces test): one request, its root span's status unset, so no error; 120 ms as the app timed it.
    const requests = page.getByTestId('request-stats');
    await requests.waitFor();
    expect(await requests.locator('[data-figure="requests"]').textContent()).toBe('1');
    expect(await requests.locator('[data-figure="error-rate"]').textContent()).toBe('0 %');
    expect(await requests.locator('[data-figure="p95"]').textContent()).toBe('120 ms');
    for (const chart of ['Requests per minute', 'Error rate', 'Latency']) {
      const figure = requests.locator(`figure[data-metric="${chart}"]`);
      await figure.locator('canvas').waitFor();
      expect(await figure.getAttribute('data-points'), chart).toBe(chart === 'Latency' ? '3' : '1');
    }
    const cpu = page.locator('figure[data-metric="container.cpu.usage_seconds"]');
    await expect
      .poll(
        async () => {
          await page.reload();
          await requests.waitFor();
          return (await cpu.count()) === 0 ? 0 : Number(await cpu.getAttribute('data-points'));
        },
        { timeout: INGEST_TIMEOUT_MS, interval: 1_000 },
      )
      .toBeGreaterThanOrEqual(1);
    await cpu.locator('canvas').waitFor();
    await page.locator('figure[data-metric="container.memory.usage_bytes"] canvas').waitFor();
    await page.getByLabel('Time range').selectOption('6h');
    await cpu.locator('canvas').waitFor();
    expect(Number(await cpu.getAttribute('data-points'))).toBeGreaterThan(0);
    await browser.expectAccessible('sdk-metrics');
    // The agent beats as soon as it connects; each heartbeat's resources become the host's series.
    await page.goto(`${baseUrl}/servers/${serverId}/metrics`);
    const hostCpu = page.locator('figure[data-metric="host.cpu.usage_percent"]');
    await hostCpu.locator('canvas').waitFor({ timeout: INGEST_TIMEOUT_MS });
    expect(Number(await hostCpu.getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    await page.locator('figure[data-metric="host.memory.used_bytes"] canvas').waitFor();
    await page.locator('figure[data-metric="container.memory.usage_bytes"] canvas').waitFor();
    await browser.expectAccessible('sdk-server-metrics');
  });

  it("creates an alert rule, sees its incident when the SDK's failed span fires it, acknowledges it and edits the rule", async () => {
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('button', { name: 'New alert rule' }).click();
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByLabel('Rule name').and(page.locator('[aria-invalid=true]')).waitFor();
    await page.getByLabel('Rule name').fill('Storefront failing');
    await page.getByLabel('Project').selectOption({ label: projectName });
    await page.getByLabel('Service').selectOption({ label: 'storefront' });
    await page.getByLabel('Error threshold (%)').fill('10');
    await page.getByLabel('Window (minutes)').fill('15');
    await page.getByLabel('Webhook URL').fill('http://127.0.0.1:9/hooks/syntra');
    await page.getByLabel('Webhook secret').fill('a-secret-of-sixteen-chars');
    await browser.expectAccessible('alert-form');
    await page.getByRole('button', { name: 'Create rule' }).click();
    const rule = page.getByTestId('alert-rules').locator('tr[data-rule="Storefront failing"]');
    await rule.getByText('errors above 10 % over 15 min').waitFor();
    // Nothing listens on the discard port, so the test reaches no one and says why.
    await rule.getByRole('button', { name: 'Send test to the channels of Storefront failing' }).click();
    const outcome = page.getByTestId('alert-test-result');
    await outcome.getByText('Test of “Storefront failing”').waitFor();
    expect(await outcome.locator('li[data-channel="webhook"]').getAttribute('data-delivered')).toBe('false');
    expect(await outcome.locator('li[data-channel="webhook"]').textContent()).toMatch(/^webhook: failed: .+/);

    // One of the SDK trace's five spans failed: 20 % > 10 %.
    await new AlertEvaluator({ db: api.platform.db, clickhouse: api.platform.clickhouse.client, secrets: api.platform.secrets, log: pino({ level: 'silent' }) }).tick();
    await page.getByRole('button', { name: 'Refresh incidents' }).click();
    const incident = page.getByTestId('incidents').locator('tr[data-incident="Storefront failing"]');
    await incident.getByText('firing').waitFor();
    const timeline = incident.getByRole('list', { name: 'Timeline of Storefront failing' });
    expect(await timeline.locator('li').evaluateAll((steps) => steps.map((step) => step.getAttribute('data-step')))).toEqual(['fired']);
    // The built-in engine summed it up as it opened: what fired, the service's last deployment and the issues @sentry/node reported.
    await incident.getByText('Summary', { exact: true }).click();
    const summary = (await incident.getByTestId('incident-summary').textContent()) ?? '';
    expect(summary).toContain(incidentSummaryLabel);
    expect(summary).toContain(`storefront [service:${serviceId}]: last deployed`);
    expect(summary).toContain(`[deployment:${deploymentId}]`);
    expect(summary).toMatch(/storefront is throwing: .*\[issue:/);
    await incident.getByRole('button', { name: 'Acknowledge' }).click();
    await timeline.locator('li[data-step="acknowledged"]').waitFor();
    expect(await timeline.locator('li').evaluateAll((steps) => steps.map((step) => step.getAttribute('data-step')))).toEqual(['fired', 'acknowledged']);
    expect(await timeline.locator('li[data-step="acknowledged"] time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await browser.expectAccessible('alerts');

    await rule.getByRole('button', { name: /^Edit/ }).click();
    await page.getByLabel('Error threshold (%)').fill('50');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await rule.getByText('errors above 50 % over 15 min').waitFor();
  });
});
