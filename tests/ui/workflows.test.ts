import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessWorker } from '../operations/stack.js';
import { addMember, bootstrappedOrganization } from '../support/auth.js';
import { createProject } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { seriousViolations } from './accessibility.js';
import { launchBrowser, screenshot, viewports } from './browser.js';
import { ensureProductionUi } from './production-build.js';

/*
 * The workflow builder and run view in Chromium against the real API, PostgreSQL and Temporal
 * (with in-process workers polling the DAG and operations queues): a diamond drawn with the
 * mouse, a cycle refused while drawing, a cron schedule read back, and a run whose node states
 * arrive over socket.io, ending with an approval; a rejection and a cancellation from the run
 * view; an edge's `on` changed in its panel; a viewer's read-only builder; and phone width.
 */

let api: Awaited<ReturnType<typeof startTestApi>>;
let workers: { stop(): Promise<void> }[] = [];
let baseUrl: string;
let browser: Browser;
let page: Page;
let projectId: string;
let viewerToken: string;
let target: Server;
let targetUrl: string;
let workflowUrl: string;
let runUrl: string;
const pageErrors: string[] = [];

async function expectAccessible(name: string): Promise<void> {
  await screenshot(page, `workflows-${name}`);
  expect(await seriousViolations(page), name).toEqual([]);
}

async function signIn(into: Page, token: string): Promise<void> {
  await into.goto(baseUrl);
  await into.getByLabel('User token').fill(token);
  await into.getByRole('button', { name: 'Sign in' }).click();
  await into.getByRole('heading', { name: 'Projects' }).waitFor();
}

/** Drags a handle to another with the mouse, as a user draws an edge. */
async function drawEdge(from: string, to: string): Promise<void> {
  const source = page.locator(`.react-flow__node[data-id="${from}"] .react-flow__handle.source`);
  const sink = page.locator(`.react-flow__node[data-id="${to}"] .react-flow__handle.target`);
  const [start, end] = [(await source.boundingBox())!, (await sink.boundingBox())!];
  await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
  await page.mouse.down();
  await page.mouse.move(end.x + end.width / 2, end.y + end.height / 2, { steps: 12 });
  await page.mouse.up();
}

/** The API as the owner, for the workflows a test needs but does not draw. */
async function asOwner<T>(method: 'GET' | 'POST', url: string, payload?: object): Promise<T> {
  const response = await api.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${api.ownerToken}` }, ...(payload ? { payload } : {}) });
  if (response.statusCode >= 300) throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
  return (response.json() as { data: T }).data;
}

async function startedRun(name: string, definition: object): Promise<string> {
  const workflow = await asOwner<{ id: string }>('POST', `/projects/${projectId}/workflows`, { name, definition });
  return (await asOwner<{ id: string }>('POST', `/workflows/${workflow.id}/runs`, {})).id;
}

/** Whether the page is wider than its window: a phone would scroll sideways. */
const scrollsSideways = (on: Page) => on.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

const nodeRow = (id: string): Locator => page.getByTestId('run-nodes').locator(`tr[data-node="${id}"]`);

beforeAll(async () => {
  await ensureProductionUi();
  api = await startTestApi('workflows-ui');
  const taskQueues = api.platform.temporal.taskQueues;
  workers = [await startInProcessWorker(api.platform, taskQueues.operations), await startInProcessWorker(api.platform, taskQueues.dag)];
  baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { db } = api.platform;
  const orgId = (await bootstrappedOrganization(db)).id;
  // The http_request step calls a server on this machine: the organization allows private addresses.
  await db.updateTable('organizations').set({ workflow_http_private_allowed: true }).where('id', '=', orgId).execute();
  projectId = (await createProject(db, orgId, 'shop')).id;
  viewerToken = (await addMember(db, orgId, 'viewer')).token;
  target = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`;
  browser = await launchBrowser();
  // bypassCSP: the app's policy allows only its own scripts, and axe-core is injected by the test.
  page = await (await browser.newContext({ viewport: viewports.laptop, bypassCSP: true })).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  for (const worker of workers) await worker.stop();
  target?.close();
  await api?.close();
});

describe('the workflow builder and run view in Chromium', () => {
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  it('draws a diamond with the mouse, refuses a cycle, undoes and redoes, and saves versions', async () => {
    await signIn(page, api.ownerToken);
    await page.goto(`${baseUrl}/projects/${projectId}/workflows`);
    await page.getByText('No workflows yet').waitFor();
    await page.getByRole('link', { name: 'New workflow' }).click();
    await page.getByRole('heading', { name: 'New workflow' }).waitFor();

    const canvas = page.getByTestId('canvas');
    const box = (await canvas.boundingBox())!;
    const palette = page.getByRole('group', { name: 'Step kinds' });
    const drop = async (kind: string, x: number, y: number) => {
      await palette.locator(`button[data-kind="${kind}"]`).dragTo(canvas, { targetPosition: { x, y } });
    };
    const middle = box.width / 2;
    await drop('http_request', middle, 50);
    await page.getByLabel(/^Url/).fill(targetUrl);
    await drop('wait', middle - 170, 190);
    await page.getByLabel('Seconds', { exact: true }).fill('1');
    await drop('condition', middle + 170, 190);
    await page.getByLabel(/^Left/).fill('{{ nodes.http_request_1.output.status }}');
    await page.getByLabel(/^Right/).fill('200');
    await drop('approval', middle, 330);
    const save = page.getByRole('button', { name: 'Create workflow' });
    await page.getByLabel('Workflow name').fill('Release diamond');
    // The approval has no message yet: its field and its node show the fault, and save waits.
    await page.locator('.field-invalid', { hasText: 'Message' }).waitFor();
    await page.locator('.react-flow__node[data-id="approval_1"] .step-node-faulty').waitFor();
    expect(await save.isDisabled()).toBe(true);
    await page.getByLabel(/^Message/).fill('Ship it?');

    await drawEdge('http_request_1', 'wait_1');
    await drawEdge('http_request_1', 'condition_1');
    await drawEdge('wait_1', 'approval_1');
    // The last edge from the node's menu, without the mouse.
    await page.locator('.react-flow__node[data-id="condition_1"]').click();
    await page.getByLabel('Next node').selectOption('approval_1');
    await page.getByRole('button', { name: 'Connect' }).click();
    const outline = page.getByTestId('outline');
    await expect.poll(() => outline.locator('li[data-node="http_request_1"]').textContent()).toContain('wait_1 on success');
    expect(await outline.locator('li[data-node="http_request_1"]').textContent()).toContain('condition_1 on success');
    expect(await outline.locator('li[data-node="wait_1"]').textContent()).toContain('approval_1 on success');
    await expect.poll(() => outline.locator('li[data-node="condition_1"]').textContent()).toContain('approval_1 on success');

    await drawEdge('approval_1', 'http_request_1');
    await expect.poll(() => page.getByTestId('builder-notice').textContent()).toContain('would close the cycle');
    expect(await outline.locator('li[data-node="approval_1"]').textContent()).not.toContain('→');
    expect(await save.isEnabled()).toBe(true);

    // Copy and paste a node with the keyboard, undo the paste, redo it, delete the copy.
    await page.locator('.react-flow__node[data-id="wait_1"]').click();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await outline.locator('li[data-node="wait_2"]').waitFor();
    await page.keyboard.press('Control+z');
    await outline.locator('li[data-node="wait_2"]').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+Shift+z');
    await outline.locator('li[data-node="wait_2"]').waitFor();
    await page.locator('.react-flow__node[data-id="wait_2"]').click();
    await page.keyboard.press('Delete');
    await outline.locator('li[data-node="wait_2"]').waitFor({ state: 'detached' });

    await expectAccessible('builder');
    await save.click();
    await page.getByRole('heading', { name: 'Release diamond' }).waitFor();
    workflowUrl = page.url();
    await page.getByTestId('versions').locator('li[data-version="1"]').waitFor();
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    await page.getByRole('button', { name: 'Save as version 2' }).click();
    await page.getByTestId('versions').locator('li[data-version="2"]').waitFor();
    expect(await page.getByTestId('versions').locator('li[data-version="2"]').textContent()).toMatch(/4 nodes · saved .* by \S+/);
  });

  it('sets a cron in a time zone, reads it back with the next five fire times, and pauses it', async () => {
    await page.getByLabel('Also on a cron schedule').check();
    await page.getByLabel('Cron expression').fill('30 6 * * 1-5');
    await page.getByText('At 06:30, Monday through Friday').waitFor();
    await page.getByLabel('Time zone').selectOption('Europe/Paris');
    await page.getByRole('button', { name: 'Save trigger' }).click();
    await expect.poll(() => page.getByTestId('next-fire-times').locator('li').count()).toBe(5);
    expect(await page.getByTestId('trigger-state').textContent()).toContain('30 6 * * 1-5 (Europe/Paris)');
    await expectAccessible('trigger');
    await page.getByRole('button', { name: 'Pause schedule' }).click();
    await page.getByRole('button', { name: 'Resume schedule' }).waitFor();
    expect(await page.getByTestId('trigger-state').textContent()).toContain('paused');
    await page.goto(`${baseUrl}/projects/${projectId}/workflows`);
    const row = page.getByTestId('workflow-list').locator('tr[data-workflow="Release diamond"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('paused');
    expect(await row.textContent()).toContain('never run');
    await expectAccessible('list');
  });

  it('runs it and watches the nodes succeed live, then approves the approval node; a viewer sees no buttons', async () => {
    await page.goto(workflowUrl);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/workflow-runs\//);
    runUrl = page.url();
    // No reload from here on: every state change arrives over the run's live room.
    await expect.poll(() => nodeRow('approval_1').getAttribute('data-state'), { timeout: 30_000 }).toBe('waiting_approval');
    for (const id of ['http_request_1', 'wait_1', 'condition_1']) expect(await nodeRow(id).getAttribute('data-state')).toBe('succeeded');
    expect(await nodeRow('http_request_1').textContent()).toContain('"status": 200');
    expect(await page.locator('.react-flow__node[data-id="approval_1"] .step-node').getAttribute('data-state')).toBe('waiting_approval');
    await expectAccessible('run-waiting');

    const viewerPage = await (await browser.newContext({ viewport: viewports.laptop })).newPage();
    await signIn(viewerPage, viewerToken);
    await viewerPage.goto(runUrl);
    await viewerPage.getByText('Ship it?').waitFor();
    expect(await viewerPage.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await viewerPage.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await viewerPage.context().close();

    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => nodeRow('approval_1').getAttribute('data-state'), { timeout: 30_000 }).toBe('succeeded');
    await page.locator('h1 [data-status="succeeded"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'workflows-run-succeeded');
    await page.goto(workflowUrl);
    await page.getByTestId('run-history').locator('[data-status="succeeded"]').waitFor();
    await page.getByLabel('Started by').selectOption('schedule');
    await page.getByText('No runs match.').waitFor();
  });

  it('rejects an approval: the node after it is skipped, with an icon and a colour', async () => {
    const runId = await startedRun('Gate', {
      nodes: [
        { id: 'gate', step: { type: 'approval', message: 'Go on?' } },
        { id: 'after', step: { type: 'http_request', method: 'GET', url: targetUrl } },
      ],
      edges: [{ from: 'gate', to: 'after' }],
    });
    await page.goto(`${baseUrl}/workflow-runs/${runId}`);
    await expect.poll(() => nodeRow('gate').getAttribute('data-state'), { timeout: 30_000 }).toBe('waiting_approval');
    await page.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => nodeRow('after').getAttribute('data-state'), { timeout: 30_000 }).toBe('skipped');
    expect(await nodeRow('gate').getAttribute('data-state')).toBe('failed');
    expect(await nodeRow('gate').textContent()).toContain('APPROVAL_REJECTED');
    const skipped = nodeRow('after').locator('.node-state-skipped');
    expect(await skipped.textContent()).toBe('↷ skipped');
    const [colour, bodyColour] = await skipped.evaluate((element) => [getComputedStyle(element).color, getComputedStyle(document.body).color]);
    expect(colour).not.toBe(bodyColour);
    const drawn = page.locator('.react-flow__node[data-id="after"] .step-node');
    expect(await drawn.getAttribute('class')).toContain('step-node-skipped');
    expect(await drawn.textContent()).toContain('↷');
    await page.locator('h1 [data-status="failed"]').waitFor({ timeout: 30_000 });
    await expectAccessible('run-rejected');
  });

  it('cancels a run from the run view', async () => {
    const runId = await startedRun('Long wait', { nodes: [{ id: 'pause', step: { type: 'wait', seconds: 600 } }], edges: [] });
    await page.goto(`${baseUrl}/workflow-runs/${runId}`);
    await page.locator('h1 [data-status="running"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('h1 [data-status="cancelled"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => nodeRow('pause').getAttribute('data-state'), { timeout: 30_000 }).toBe('cancelled');
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
  });

  it("changes an edge's on in its panel and saves it; Save waits for a change, and undo back to the saved graph takes it away", async () => {
    await page.goto(workflowUrl);
    const save = page.getByRole('button', { name: 'Save as version 3' });
    await save.waitFor();
    expect(await save.isDisabled()).toBe(true);
    await page.locator('.react-flow__edge[data-id="wait_1->approval_1"] .react-flow__edge-textwrapper').click();
    await page.getByRole('heading', { name: 'Edge wait_1 → approval_1' }).waitFor();
    await page.getByLabel(/^Taken when/).selectOption('failure');
    await expect.poll(() => save.isEnabled()).toBe(true);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => save.isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect.poll(() => page.getByTestId('outline').locator('li[data-node="wait_1"]').textContent()).toContain('approval_1 on failure');
    await save.click();
    await page.getByTestId('versions').locator('li[data-version="3"]').waitFor();
    expect(await page.getByRole('button', { name: 'Save as version 4' }).isDisabled()).toBe(true);
    const workflow = await asOwner<{ definition: { edges: { from: string; to: string; on?: string }[] } }>('GET', `/workflows/${workflowUrl.split('/').pop()}`);
    expect(workflow.definition.edges.find((edge) => edge.from === 'wait_1' && edge.to === 'approval_1')?.on).toBe('failure');
  });

  it('gives a viewer the builder read-only: no palette, no save, nothing moved or deleted, the form disabled', async () => {
    const viewerPage = await (await browser.newContext({ viewport: viewports.laptop, bypassCSP: true })).newPage();
    await signIn(viewerPage, viewerToken);
    await viewerPage.goto(workflowUrl);
    await viewerPage.getByRole('heading', { name: 'Release diamond' }).waitFor();
    await viewerPage.getByText('Read only').waitFor();
    expect(await viewerPage.getByRole('group', { name: 'Step kinds' }).count()).toBe(0);
    expect(await viewerPage.getByRole('button', { name: /^Save as version/ }).count()).toBe(0);
    expect(await viewerPage.getByRole('button', { name: 'Undo' }).count()).toBe(0);
    expect(await viewerPage.getByLabel('Workflow name').count()).toBe(0);

    // A drag on a node pans the canvas for a viewer: the node keeps its place in the graph (its transform).
    const node = viewerPage.locator('.react-flow__node[data-id="wait_1"]');
    const placed = await node.evaluate((element) => (element as HTMLElement).style.transform);
    const box = (await node.boundingBox())!;
    await viewerPage.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await viewerPage.mouse.down();
    await viewerPage.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 80, { steps: 10 });
    await viewerPage.mouse.up();
    expect(await node.evaluate((element) => (element as HTMLElement).style.transform)).toBe(placed);
    await node.click();
    await viewerPage.getByRole('heading', { name: /wait node “wait_1”/ }).waitFor();
    expect(await viewerPage.getByLabel('Seconds', { exact: true }).isDisabled()).toBe(true);
    expect(await viewerPage.getByRole('button', { name: 'Delete node' }).count()).toBe(0);
    await viewerPage.keyboard.press('Delete');
    expect(await viewerPage.getByTestId('outline').locator('li[data-node="wait_1"]').count()).toBe(1);
    await screenshot(viewerPage, 'workflows-builder-read-only');
    expect(await seriousViolations(viewerPage)).toEqual([]);
    await viewerPage.context().close();
  });

  it('at phone width, neither the Workflows list nor the run view scrolls sideways', async () => {
    const phonePage = await (await browser.newContext({ viewport: viewports.phone, bypassCSP: true })).newPage();
    await signIn(phonePage, api.ownerToken);
    await phonePage.goto(`${baseUrl}/projects/${projectId}/workflows`);
    await phonePage.getByTestId('workflow-list').locator('tr[data-workflow="Release diamond"]').waitFor();
    expect(await scrollsSideways(phonePage)).toBe(false);
    await screenshot(phonePage, 'workflows-list-phone');
    await phonePage.goto(runUrl);
    await phonePage.getByTestId('run-nodes').locator('tr[data-node="approval_1"]').waitFor();
    await phonePage.locator('.react-flow__node[data-id="approval_1"]').waitFor();
    expect(await scrollsSideways(phonePage)).toBe(false);
    await screenshot(phonePage, 'workflows-run-phone');
    expect(await seriousViolations(phonePage)).toEqual([]);
    await phonePage.context().close();
  });
});
