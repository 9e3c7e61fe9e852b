import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAgent, type RunningAgent } from '../../agent/main.js';
import { createLoginLink } from '../../control/login-links.js';
import { addMember, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { ensureDockerd, removeManaged, startTestRegistry, type TestRegistry } from '../support/docker.js';
import { startTestApi } from '../support/platform.js';
import { containersOf, privateTemporalConfig, startInProcessWorker } from '../operations/stack.js';
import { seriousViolations } from './accessibility.js';
import { fillImageService, launchBrowser, screenshot, viewports } from './browser.js';
import { ensureProductionUi } from './production-build.js';

/*
 * The UI in a real Chromium against the real platform: the API serving ui/dist, PostgreSQL,
 * Temporal with a worker, a real agent driving Docker, and the test registry's images. Each test
 * continues where the previous one left off, as one person's session would.
 */

const TEMPORAL_WEB_URL = 'http://127.0.0.1:8233';
const LIVE_TIMEOUT_MS = 90_000;

let registry: TestRegistry;
let temporal: Awaited<ReturnType<typeof privateTemporalConfig>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let worker: Awaited<ReturnType<typeof startInProcessWorker>>;
let agent: RunningAgent | undefined;
let docker: Docker;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let baseUrl: string;
let serviceId: string;
let projectSlug: string | undefined;
let dataDir: string | undefined;
const agentDataDir = async () => (dataDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-ui-agent-')));
/** Uncaught errors and console errors of the page: a test that leaves any behind failed. */
const pageErrors: string[] = [];

beforeAll(async () => {
  docker = await ensureDockerd();
  await ensureProductionUi();
  registry = await startTestRegistry();
  temporal = await privateTemporalConfig('ui');
  api = await startTestApi('ui', { SYNTRA_TEMPORAL_CONFIG: temporal.file, TEMPORAL_WEB_URL });
  baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  worker = await startInProcessWorker(api.platform, temporal.taskQueue);
  browser = await launchBrowser();
  // bypassCSP: the app's policy allows only its own scripts, and axe-core is injected by the test.
  context = await browser.newContext({ viewport: viewports.laptop, bypassCSP: true });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // The browser logs every 4xx answer too; those the UI shows on purpose (a wrong token) are not errors.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await worker?.stop();
  await api?.close();
  await temporal?.cleanup();
  if (docker && serviceId) await removeManaged(docker, { serviceIds: [serviceId], ...(projectSlug ? { projectName: projectSlug } : {}) });
  await registry?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A screenshot for the record, and no serious or critical axe-core violation on the page as it is. */
async function expectAccessible(name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousViolations(page), name).toEqual([]);
}

/** The service page's latest deployment, by the status its badge shows. */
const latestStatus = () => page.getByTestId('active-deployment').locator('.page-head [data-status]');
const historyRows = () => page.getByTestId('deployment-history').locator('tbody tr');

describe('the web UI in Chromium', () => {
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  it('serves the app for UI paths and keeps unknown API paths a JSON 404', async () => {
    const app = await fetch(`${baseUrl}/services/00000000-0000-0000-0000-000000000000`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('<div id="root">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await (await fetch(baseUrl)).text())?.[1];
    const asset = await fetch(`${baseUrl}${script}`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${baseUrl}/assets/index-from-an-old-build.js`)).status).toBe(404);
    const escape = await fetch(`${baseUrl}/..%2f..%2fpackage.json`);
    expect(await escape.text()).not.toContain('"devDependencies"');
    const apiMiss = await fetch(`${baseUrl}/api/v1/no-such-route`);
    expect(apiMiss.status).toBe(404);
    expect(await apiMiss.json()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
  });

  it('refuses a wrong token with what to do, then signs in with the owner token', async () => {
    await page.goto(baseUrl);
    await page.getByLabel('User token').fill('syn_usr_wrong');
    await page.getByLabel('User token').press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Sign-in failed');
    await expectAccessible('login');
    await page.getByLabel('User token').fill(api.ownerToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/projects');
  });

  it('signs in by the one-time link, which lands on the app', async () => {
    const org = await bootstrappedOrganization(api.platform.db);
    const secret = await createLoginLink(api.platform.db, org.owner_id, org.id);
    const other = await browser.newContext({ viewport: viewports.laptop });
    const linkPage = await other.newPage();
    await linkPage.goto(`${baseUrl}/api/v1/auth/link/${secret}`);
    await linkPage.getByRole('heading', { name: 'Projects' }).waitFor();
    await linkPage.getByRole('button', { name: 'Sign out' }).click();
    await linkPage.getByRole('heading', { name: 'Sign in to Syntra' }).waitFor();
    await other.close();
  });

  it('adds a server: shows the install command and turns online when its agent connects', async () => {
    await page.getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('link', { name: 'Add server' }).click();
    await page.getByLabel('Server name').fill('ui-host');
    await page.getByLabel('Server name').press('Enter');
    const command = (await page.getByTestId('install-command').textContent()) ?? '';
    expect(command).toContain('/agent/install.sh');
    await expect.poll(() => page.getByTestId('presence').textContent()).toContain('Waiting for the agent');
    await screenshot(page, 'add-server-waiting');

    const token = /--token (\S+)/.exec(command)?.[1];
    expect(token).toBeDefined();
    // Told to look for its containers' address on a bridge that does not exist, the agent reports it cannot be reached.
    agent = await runAgent({
      url: baseUrl,
      token: token!,
      telemetry: { dataDir: await agentDataDir(), network: 'syntra-test-no-such-network', port: 0 },
      log: pino({ level: 'silent' }),
    });
    await page.getByText('ui-host is connected').waitFor({ timeout: 30_000 });
    await screenshot(page, 'add-server-online');

    await page.getByRole('link', { name: 'Back to servers' }).click();
    const row = page.locator('tr[data-server="ui-host"]');
    await expect.poll(() => row.locator('[data-status]').getAttribute('data-status')).toBe('online');
    const problem = row.getByRole('list', { name: 'Problems' }).getByRole('listitem');
    await expect.poll(() => problem.textContent(), { timeout: 15_000 }).toContain("Critical: Containers cannot reach the agent's telemetry receiver");
    expect(await problem.textContent()).toContain('SYNTRA_AGENT_TELEMETRY_HOST');
    await expectAccessible('servers');
  });

  it('creates a project and an image service, showing form errors beside their fields first', async () => {
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByLabel('Project name').fill('Shop');
    await expectAccessible('projects');
    await page.getByLabel('Project name').press('Enter');
    await page.getByRole('heading', { name: 'Shop' }).waitFor();
    await page.getByRole('link', { name: 'New service' }).click();

    await page.getByLabel('Name', { exact: true }).fill('web');
    await page.getByLabel('Port').fill('80a');
    await page.getByRole('button', { name: 'Create service' }).click();
    await expect.poll(() => page.locator('.field-invalid').count()).toBeGreaterThan(0);
    expect(await page.getByText('Must be a whole number').count()).toBe(1);
    await expectAccessible('service-form-errors');

    await fillImageService(page, registry);
    await page.getByLabel('Variables').fill('GREETING=hello');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.getByRole('heading', { name: 'web' }).waitFor();
    serviceId = new URL(page.url()).pathname.split('/')[2]!;
    await page.getByRole('link', { name: 'Project', exact: true }).click();
    await page.getByRole('link', { name: 'web' }).waitFor();
    await expectAccessible('project');
    await page.getByRole('link', { name: 'web' }).click();
    await page.getByRole('heading', { name: 'web' }).waitFor();
    projectSlug = (await api.platform.db.selectFrom('projects').select('slug').where('name', '=', 'Shop').executeTakeFirst())?.slug;
    // The env panel loads after the heading: wait for its rows rather than read it at once.
    await page.getByTestId('env-vars').getByText('GREETING').waitFor();
  });

  it('deploys and shows running arrive live, without a reload', async () => {
    let reloads = 0;
    page.on('load', () => (reloads += 1));
    await page.getByRole('button', { name: 'Deploy' }).click();
    await latestStatus().waitFor();
    await expect.poll(() => latestStatus().getAttribute('data-status'), { timeout: LIVE_TIMEOUT_MS, interval: 250 }).toBe('running');
    expect(reloads).toBe(0);
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await expectAccessible('service-running');
  });

  it('deploys a broken version and shows the automatic rollback', async () => {
    await page.getByLabel('Image tag').fill(registry.images.unhealthy.tag);
    await page.getByRole('button', { name: 'Deploy' }).click();
    const rolledBack = historyRows().and(page.locator('[data-status="rolled_back"]'));
    await rolledBack.first().waitFor({ timeout: LIVE_TIMEOUT_MS });
    await expect.poll(() => latestStatus().getAttribute('data-status'), { timeout: LIVE_TIMEOUT_MS, interval: 250 }).toBe('running');
    await expect.poll(() => historyRows().first().textContent(), { timeout: LIVE_TIMEOUT_MS }).toContain('rollback');
    // What went wrong stays beside the deployment that failed.
    expect(await rolledBack.first().textContent()).toMatch(/health check/i);
    await screenshot(page, 'service-rolled-back');
  });

  it('rolls back by hand to an earlier good deployment', async () => {
    await page.getByLabel('Image tag').fill(registry.images.httpV2.tag);
    await page.getByRole('button', { name: 'Deploy' }).click();
    await expect.poll(() => historyRows().count(), { timeout: LIVE_TIMEOUT_MS }).toBe(4);
    await expect.poll(() => latestStatus().getAttribute('data-status'), { timeout: LIVE_TIMEOUT_MS, interval: 250 }).toBe('running');

    const first = historyRows().last();
    const firstId = await first.getAttribute('data-deployment');
    await first.getByRole('button', { name: 'Roll back to this' }).click();
    await expect.poll(() => historyRows().count(), { timeout: LIVE_TIMEOUT_MS }).toBe(5);
    await expect.poll(() => latestStatus().getAttribute('data-status'), { timeout: LIVE_TIMEOUT_MS, interval: 250 }).toBe('running');
    const rollback = await api.platform.db
      .selectFrom('deployments')
      .select(['trigger_type', 'rollback_from_id'])
      .where('service_id', '=', serviceId)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(rollback).toEqual({ trigger_type: 'rollback', rollback_from_id: firstId });
  });

  it('scales to two replicas, and two containers run', async () => {
    await page.getByLabel('Replicas').fill('2');
    await page.getByLabel('Replicas').press('Enter');
    await expect.poll(() => page.getByTestId('replicas').textContent(), { timeout: LIVE_TIMEOUT_MS }).toBe('2');
    await expect.poll(async () => (await containersOf(docker, serviceId, { running: true })).length, { timeout: LIVE_TIMEOUT_MS, interval: 500 }).toBe(2);
    await screenshot(page, 'service-scaled');
  });

  it('runs a command in a container, shows how it ended, and says what went wrong', async () => {
    const runner = page.getByRole('region', { name: 'Run a command' });
    const command = runner.getByLabel('Command', { exact: true });
    await command.fill(`sh -c 'echo "hello $GREETING"; echo careful >&2; exit 4'`);
    await command.press('Enter');
    await expect.poll(() => runner.getByTestId('exit-code').textContent(), { timeout: 30_000 }).toBe('4');
    const output = runner.getByRole('region', { name: 'Command output' });
    expect(await output.getByLabel('Standard output').textContent()).toBe('hello hello\n');
    expect(await output.getByLabel('Standard error').textContent()).toBe('careful\n');
    await screenshot(page, 'service-command');

    const runs = async () => (await api.platform.db.selectFrom('agent_commands').select('id').where('type', '=', 'exec').execute()).length;
    const before = await runs();
    await command.fill('echo "unclosed');
    await command.press('Enter');
    await runner.getByText('A double quote is not closed').waitFor();
    expect(await command.getAttribute('aria-invalid')).toBe('true');
    expect(await runs()).toBe(before);

    await command.fill('sleep 5');
    await runner.getByLabel('Command timeout (s)').fill('1');
    await runner.getByRole('button', { name: 'Run' }).click();
    const failure = runner.getByRole('alert');
    await expect.poll(() => failure.textContent(), { timeout: 30_000 }).toContain('Could not run the command');
    expect(await failure.textContent()).toMatch(/did not finish within 1 s/);
    expect(await runner.getByRole('region', { name: 'Command output' }).count()).toBe(0);
  });

  it('keeps secrets masked until revealed', async () => {
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByLabel('Key 2').fill('API_KEY');
    await page.getByLabel('Value of API_KEY').fill('s3cret');
    await page.getByLabel('API_KEY is secret').check();
    await page.getByRole('button', { name: 'Save variables' }).click();
    const listed = page.getByTestId('env-vars');
    await expect.poll(() => listed.textContent()).toContain('********');
    expect(await listed.textContent()).not.toContain('s3cret');
    await page.getByRole('button', { name: 'Reveal secrets' }).click();
    await expect.poll(() => listed.textContent()).toContain('s3cret');
  });

  it('edits the service: a changed image asks for the write-only registry password again', async () => {
    await page.getByRole('link', { name: 'Edit settings' }).click();
    await page.getByRole('heading', { name: 'Edit web' }).waitFor();
    await page.getByLabel('Tag').fill(registry.images.httpV2.tag);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Type the registry password again to change the image').waitFor();
    await page.getByLabel('Tag').fill(registry.images.httpV1.tag);
    await page.getByLabel('Retries').fill('2');
    await page.getByLabel('Retries').press('Enter');
    await page.getByRole('heading', { name: 'web', exact: true }).waitFor();
    const stored = await api.platform.db.selectFrom('services').select('health_check').where('id', '=', serviceId).executeTakeFirstOrThrow();
    expect(stored.health_check).toMatchObject({ type: 'http', retries: 2 });
  });

  it('shows a viewer what they may see, without the buttons their role may not use', async () => {
    const org = await bootstrappedOrganization(api.platform.db);
    const viewer = await addMember(api.platform.db, org.id, 'viewer');
    const other = await browser.newContext({ viewport: viewports.laptop });
    const viewerPage = await other.newPage();
    await viewerPage.goto(baseUrl);
    await viewerPage.getByLabel('User token').fill(viewer.token);
    await viewerPage.getByLabel('User token').press('Enter');
    await viewerPage.getByRole('heading', { name: 'Projects' }).waitFor();
    await viewerPage.goto(`${baseUrl}/services/${serviceId}`);
    await viewerPage.getByTestId('deployment-history').waitFor();
    await viewerPage.getByText('Your role (viewer) sees secret values masked.').waitFor();
    await viewerPage.getByText('Your role may read this service but not deploy, scale or restart it.').waitFor();
    for (const name of ['Deploy', 'Scale', 'Restart', 'Reveal secrets', 'Roll back to this', 'Run']) {
      expect(await viewerPage.getByRole('button', { name }).count(), name).toBe(0);
    }
    await expect.poll(() => viewerPage.getByTestId('env-vars').textContent()).toContain('********');
    await screenshot(viewerPage, 'service-viewer');
    await other.close();
  });

  it("shows a deployment's timeline and links its run in Temporal Web", async () => {
    await historyRows().first().getByRole('link').click();
    await page.getByTestId('timeline').waitFor();
    expect(await page.getByTestId('timeline').locator('li').count()).toBeGreaterThan(2);
    const link = page.getByRole('link', { name: 'Open its workflow in Temporal Web' });
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${TEMPORAL_WEB_URL}/namespaces/.+/workflows/`));
    await expectAccessible('deployment');
  });

  it('switches to another organization of the user and back', async () => {
    const db = api.platform.db;
    const home = await bootstrappedOrganization(db);
    const second = await otherOrganization(db, 'ui-second');
    await db.insertInto('org_members').values({ org_id: second.org.id, user_id: home.owner_id, role: 'viewer' }).execute();
    await page.goto(`${baseUrl}/projects`);
    const switcher = page.getByLabel('Organization');
    await switcher.waitFor();
    await switcher.selectOption(second.org.id);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await expect.poll(() => switcher.inputValue(), { timeout: 10_000 }).toBe(second.org.id);
    await page.locator('.who').getByText('viewer', { exact: true }).waitFor();
    await screenshot(page, 'organization-switched');
    await switcher.selectOption(home.id);
    await expect.poll(() => switcher.inputValue(), { timeout: 10_000 }).toBe(home.id);
    await page.locator('.who').getByText('owner', { exact: true }).waitFor();
  });

  it('is usable from the keyboard: the skip link comes first and lands on the content', async () => {
    await page.goto(`${baseUrl}/projects`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('fits a phone screen: no page-wide horizontal scrolling', async () => {
    await page.setViewportSize(viewports.phone);
    for (const path of [`/services/${serviceId}`, '/servers', '/projects']) {
      await page.goto(`${baseUrl}${path}`);
      await page.locator('main h1').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.goto(`${baseUrl}/services/${serviceId}`);
    await page.locator('main h1').waitFor();
    await screenshot(page, 'service-phone');
  });
});
