import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServerTag } from '../../contracts/index.js';
import { startBuildStack, dockerfileServing, type BuildStack } from '../builds/build-stack.js';
import { seriousViolations } from './accessibility.js';
import { launchBrowser, screenshot, viewports } from './browser.js';
import { ensureProductionUi } from './production-build.js';

/*
 * Builds in Chromium against the whole platform (real git server, registry, BuildKit): the
 * project's repository settings with the webhook to paste into a git host, a service built from
 * the repository created in the form, and its build log arriving line by line on the deployment
 * page while it builds, then kept after, with the server that built it; build servers marked in
 * the server list.
 */

let stack: BuildStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  await ensureProductionUi();
  stack = await startBuildStack('builds-ui');
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: viewports.laptop, bypassCSP: true })).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(stack.baseUrl);
  await page.getByLabel('User token').fill(stack.api.ownerToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
}, 120_000);

async function expectAccessible(name: string) {
  await screenshot(page, `builds-${name}`);
  expect(await seriousViolations(page), name).toEqual([]);
}

describe('builds in the UI', () => {
  it('sets the webhook secret in the project settings and shows the URL to paste, never the stored secret', async () => {
    await page.goto(`${stack.baseUrl}/projects/${stack.project.id}`);
    await page.getByRole('heading', { name: 'Repository' }).waitFor();
    expect(await page.getByTestId('webhook-url').textContent()).toBe(`${stack.baseUrl}/api/v1/webhooks/git/${stack.project.id}`);
    expect(await page.getByLabel('Repository URL').inputValue()).toBe(stack.git.url);
    await expect.poll(() => page.getByText('A credential is stored (never shown).').count()).toBe(1);
    await page.getByRole('button', { name: 'Generate a secret' }).click();
    const secret = await page.getByLabel('New webhook secret').inputValue();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    await page.getByRole('button', { name: 'Save repository settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByText('A webhook secret is stored (never shown)').waitFor();
    const project = await stack.rest.call('GET', `/projects/${stack.project.id}`);
    expect(project.body.data.git_webhook_secret_set).toBe(true);
    expect(JSON.stringify(project.body.data)).not.toContain(secret);
    await expectAccessible('repository-settings');
  }, 60_000);

  it('creates a Dockerfile service from the form, and its deployment page shows the build log live, then kept', async () => {
    await stack.git.commit('Slow enough to watch', {
      // A step of this run only: BuildKit's cache (dockerd's, kept across runs) would replay a known one silently.
      Dockerfile: dockerfileServing('ui-built', `RUN echo run-${randomUUID()} >/dev/null && echo first-$((6*7)) && sleep 6 && echo second-$((6*8))`),
      'site/index.html': 'ui\n',
    });
    await page.goto(`${stack.baseUrl}/projects/${stack.project.id}/services/new`);
    await page.getByLabel('Name', { exact: true }).fill('from-form');
    await page.getByLabel('Port').fill('8080');
    await page.getByLabel('Built from').selectOption('dockerfile');
    expect(await page.getByLabel('Registry', { exact: true }).count()).toBe(0);
    await page.getByLabel('Branch').fill('main');
    await page.getByLabel('Dockerfile path').fill('Dockerfile');
    await page.getByLabel('Build arguments').fill('NOT PAIRED');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.getByText('Line 1 is not KEY=value').waitFor();
    await page.getByLabel('Build arguments').fill('FLAVOUR=plain');
    await page.getByLabel('Path', { exact: true }).fill('/health');
    await page.getByLabel('Interval (s)').fill('1');
    await expectAccessible('service-form-dockerfile');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.waitForURL(/\/services\/[0-9a-f-]{36}$/);
    const serviceId = page.url().split('/').at(-1)!;
    stack.serviceIds.push(serviceId);
    const service = await stack.rest.call('GET', `/services/${serviceId}`);
    expect(service.body.data).toMatchObject({ source_type: 'dockerfile', source_config: { branch: 'main', dockerfile_path: 'Dockerfile', build_args: { FLAVOUR: 'plain' } } });

    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await expect.poll(async () => (await stack.rest.call('GET', `/services/${serviceId}/deployments`)).body.data.length, { timeout: 10_000 }).toBe(1);
    const deploymentId = (await stack.rest.call('GET', `/services/${serviceId}/deployments`)).body.data[0].id as string;
    await page.goto(`${stack.baseUrl}/deployments/${deploymentId}`);
    const log = page.getByTestId('build-log');
    // The step's first output (not its command line: the shell computes it) arrives while the
    // build still sleeps: over socket.io, not by a reload after the build.
    await log.getByText('first-42').first().waitFor({ timeout: 120_000 });
    expect((await stack.rest.deployment(deploymentId)).status).toBe('building');
    expect(await log.getByText('second-48').count()).toBe(0);
    await expectAccessible('deployment-building');
    const done = await stack.rest.until(deploymentId, ['running', 'failed', 'cancelled'], 180_000);
    expect(done.status, done.error_message ?? '').toBe('running');
    await page.reload();
    await page.getByTestId('build-log').getByText(/Pushed 127\.0\.0\.1/).waitFor();
    expect(await page.getByTestId('build-log').getByText('second-48').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('build-server').textContent()).toBe(stack.host.server.name);
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('shows which servers are build servers in the server list', async () => {
    const tagged = await stack.rest.call('PATCH', `/servers/${stack.host.server.id}`, { tags: [buildServerTag] });
    expect(tagged.status).toBe(200);
    await page.goto(`${stack.baseUrl}/servers`);
    const row = page.locator(`tr[data-server="${stack.host.server.name}"]`);
    await row.getByText('build server').waitFor();
    await expectAccessible('servers-build-server');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
