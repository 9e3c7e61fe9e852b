import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TraceSpan } from '../../contracts/index.js';
import { errorEvent, paymentStack } from '../ingest/error-events.js';
import { hex, nowNs, startOperatorStack, type OperatorStack } from './operator-stack.js';

/*
 * The operator's telemetry pages where the data must be made by hand, sent through the gateway by
 * the test agent (operator-stack.ts); what the stock SDKs report through a real agent is in
 * operator-sdk.test.ts. Hand-made here: the issue list's mechanics over issues of known shape
 * (sort, search, the sparkline's figures, a library frame kept closed, the link to a known trace
 * id), and the virtualised lists, which need hundreds of issues and spans at once.
 */

let stack: OperatorStack;
let api: OperatorStack['api'];
let baseUrl: string;
let page: OperatorStack['page'];
let serviceId: string;
let deploymentId: string;
let send: OperatorStack['send'];
let expectAccessible: OperatorStack['expectAccessible'];

afterAll(async () => {
  await stack?.close();
});

beforeAll(async () => {
  stack = await startOperatorStack('operator-ui');
  ({ api, baseUrl, page, serviceId, deploymentId, send, expectAccessible } = stack);
});

describe("the operator's telemetry pages in Chromium", () => {
  afterEach(() => {
    expect(stack.pageErrors.splice(0)).toEqual([]);
  });

  it('signs in and offers every operator page in a labelled navigation', async () => {
    await page.goto(baseUrl);
    await page.getByLabel('User token').fill(api.ownerToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    const main = page.getByRole('navigation', { name: 'Main' });
    for (const name of ['Projects', 'Servers', 'Alerts', 'Members', 'API tokens', 'Audit log']) await main.getByRole('link', { name }).waitFor();
    await page.getByRole('link', { name: 'shop' }).click();
    const tabs = page.getByRole('navigation', { name: 'Project' });
    await tabs.getByRole('link', { name: 'Issues' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Issues/ }).waitFor();
    expect(await tabs.getByRole('link', { name: 'Issues' }).getAttribute('aria-current')).toBe('page');
    await page.getByText('SENTRY_DSN').waitFor();
    await expectAccessible('issues-empty');
  });

  it('lists the issues with their counts, shows one, resolves it, and sees it regress live', async () => {
    const traceId = hex(16);
    const notFound = (userId: string, release = '1.4.2') =>
      errorEvent(serviceId, deploymentId, {
        userId,
        context: {
          environment: 'production',
          release,
          tags: { region: 'eu' },
          user: { id: userId },
          extra: { exception_chain: [{ type: 'DatabaseError', value: 'connection reset' }], contexts: { trace: { trace_id: traceId, span_id: hex(8) } } },
        },
      });
    await send({
      errors: [notFound('u-1'), notFound('u-2'), errorEvent(serviceId, deploymentId, { type: 'PaymentError', message: 'card declined', stack_trace: paymentStack() })],
    });
    await page.reload();
    const list = page.getByTestId('issue-list');
    await list.waitFor();
    const rows = list.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const cartRow = list.locator('tr', { hasText: 'NotFoundError' });
    expect(await cartRow.getByTestId('event-count').textContent()).toBe('2');
    expect(await list.locator('tr', { hasText: 'PaymentError' }).getByTestId('event-count').textContent()).toBe('1');
    // Each row's sparkline: its events per hour over the last day, the figures in its label.
    const sparkline = cartRow.getByRole('img', { name: /events in the last 24 hours/ });
    await expect.poll(() => sparkline.getAttribute('aria-label')).toBe('2 events in the last 24 hours, at most 2 in an hour');
    expect(await sparkline.locator('span.busy').count()).toBe(1);
    await page.getByLabel('Sort by').selectOption('event_count');
    await expect.poll(() => rows.first().getByTestId('event-count').textContent()).toBe('2');
    await page.getByLabel('Search issues').fill('card');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await expectAccessible('issues');
    await page.getByLabel('Search issues').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(2);

    await cartRow.getByRole('link').click();
    const trace = page.getByRole('list', { name: 'Stack trace' });
    await trace.waitFor();
    // The service's own frame opens with its source line; the library's stays closed.
    await expect.poll(() => trace.getByText('const cart = await carts.load(req.params.cartId);').isVisible()).toBe(true);
    expect(await trace.getByText('fn(req, res, next);').isVisible()).toBe(false);
    await page.getByRole('list', { name: 'Breadcrumbs' }).getByText('GET /carts').waitFor();
    await page.getByRole('list', { name: 'Exception chain' }).getByText('connection reset').waitFor();
    expect(await page.getByText('release 1.4.2').count()).toBeGreaterThan(0);
    expect(await page.getByRole('link', { name: 'Open its trace' }).getAttribute('href')).toBe(`/traces/${traceId}`);
    await expectAccessible('issue');

    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('button', { name: 'Reopen' }).waitFor();
    await page.getByRole('link', { name: 'All issues' }).click();
    await page.getByRole('button', { name: 'Resolved', exact: true }).click();
    await list.locator('tr', { hasText: 'NotFoundError' }).waitFor();
    await page.getByRole('button', { name: 'Regressed' }).click();
    await page.getByText('No regressed issues').waitFor();
    // Seen again from a release it was not seen in, a resolved issue regresses; the open list hears so over socket.io.
    await send({ errors: [notFound('u-3', '1.4.3')] });
    await list.locator('tr', { hasText: 'NotFoundError' }).getByText('regressed').waitFor({ timeout: 10_000 });
  });

  it('draws only the rows near the view of a long issue list and a long trace, and the others as they scroll into it', async () => {
    const now = Date.now();
    const bulk = Array.from({ length: 250 }, (_, index) => ({
      service_id: serviceId,
      fingerprint: `bulk-${index}`,
      title: `BulkError: issue ${String(index).padStart(3, '0')}`,
      exception_type: 'BulkError',
      first_seen_at: new Date(now - 86_400_000),
      last_seen_at: new Date(now - (index + 10) * 60_000),
    }));
    await api.platform.db.insertInto('error_groups').values(bulk).execute();
    await page.goto(`${baseUrl}/projects/${stack.projectId}/issues`);
    await page.getByLabel('Search issues').fill('BulkError');
    await page.getByRole('button', { name: 'Search' }).click();
    const list = page.getByTestId('issue-list');
    const row = (index: number) => list.locator(`tr[data-issue="BulkError: issue ${String(index).padStart(3, '0')}"]`);
    await row(0).waitFor();
    const drawn = list.locator('tbody tr[data-issue]');
    expect(await drawn.count()).toBeLessThan(60);
    expect(await row(249).count()).toBe(0);
    // Scrolled to its end, the list reads the next pages (100 issues each) and draws their last rows.
    const issuesBox = page.getByRole('region', { name: 'Issues' });
    await expect
      .poll(async () => {
        await issuesBox.evaluate((box) => box.scrollTo(0, box.scrollHeight));
        return row(249).count();
      })
      .toBe(1);
    expect(await drawn.count()).toBeLessThan(60);
    expect(await row(0).count()).toBe(0);
    // Polled: a live-updates reconnect (a loaded machine) resets the list, which reads its pages again.
    await expect.poll(() => list.getAttribute('aria-rowcount')).toBe('251');
    await expectAccessible('issues-long');

    const traceId = hex(16);
    const start = nowNs();
    const spans: TraceSpan[] = Array.from({ length: 400 }, (_, index) => ({
      trace_id: traceId,
      span_id: index === 0 ? 'a0'.repeat(8) : hex(8),
      ...(index === 0 ? {} : { parent_span_id: 'a0'.repeat(8) }),
      service_id: serviceId,
      deployment_id: deploymentId,
      operation_name: index === 0 ? 'GET /feed' : `step ${index}`,
      span_kind: 'internal',
      start_time_ns: start + index * 1e6,
      duration_ns: index === 0 ? 500e6 : 1e6,
      status: { code: 'ok' },
      attributes: {},
      events: [],
    }));
    await send({ traces: spans });
    await page.goto(`${baseUrl}/traces/${traceId}`);
    const waterfall = page.getByTestId('waterfall');
    await waterfall.locator('li[data-span="step 1"]').waitFor();
    expect(await waterfall.locator(':scope > li').count()).toBeLessThan(80);
    expect(await waterfall.locator('li[data-span="step 399"]').count()).toBe(0);
    const spansBox = page.getByRole('region', { name: 'Spans' });
    await spansBox.evaluate((box) => box.scrollTo(0, box.scrollHeight));
    await waterfall.getByRole('button', { name: /step 399/ }).click();
    await waterfall.getByRole('link', { name: 'Logs of this trace' }).waitFor();
    expect(await waterfall.locator('li[data-span="GET /feed"]').count()).toBe(0);
  });
});
