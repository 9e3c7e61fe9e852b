import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopTimeoutMs } from '../../cli/supervisor.js';
import { thisMachineFileName, thisMachineName } from '../../cli/this-machine.js';
import { freePort } from '../../engines/ports.js';
import { devSandbox, startDev, stopDev, type DevSandbox, type RunningDev } from '../support/dev-process.js';
import { ensureDockerd, removeManaged, startTestRegistry, type TestRegistry } from '../support/docker.js';
import { FIRST_PAGE_TIMEOUT_MS, fillImageService, launchBrowser, screenshot, viewports } from './browser.js';

/*
 * A newcomer's first hour: `syntra dev` on a fresh data folder with a Docker Engine answering,
 * then, in Chromium, the one-time login link it logged, "this machine" online among the
 * servers, a project, a service from the local registry, a deploy, and the service running.
 * No second machine and no `Add server`.
 */

const SERVER_ONLINE_TIMEOUT_MS = 60_000;
const RUNNING_TIMEOUT_MS = 120_000;
const loginLinkPattern = /(http:\/\/[^\s"]+\/api\/v1\/auth\/link\/[A-Za-z0-9_-]+)/;

let sandbox: DevSandbox;
let dev: RunningDev | undefined;
let registry: TestRegistry;
let docker: Docker;
let browser: Browser;
let page: Page;
let serviceId: string | undefined;
let projectSlug: string | undefined;
const pageErrors: string[] = [];

beforeAll(async () => {
  docker = await ensureDockerd();
  registry = await startTestRegistry();
  // Its own telemetry port: the default (4318) may be another agent's on this machine.
  sandbox = await devSandbox('first-deploy', { SYNTRA_AGENT_TELEMETRY_PORT: String(await freePort()) });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: viewports.laptop })).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  if (dev) await stopDev(dev.child);
  if (docker && serviceId) await removeManaged(docker, { serviceIds: [serviceId], ...(projectSlug ? { projectName: projectSlug } : {}) });
  await registry?.cleanup();
  await sandbox?.cleanup();
});

describe('a first deploy on this machine', () => {
  it('starts with this machine offered as a server, its agent token kept private in the data folder', async () => {
    dev = await startDev(sandbox.env);
    expect(dev.output).toMatch(new RegExp(`This machine +server "${thisMachineName}" \\(Docker \\S+ at /var/run/docker.sock\\)`));
    const saved = path.join(sandbox.env.SYNTRA_DATA_DIR!, thisMachineFileName);
    expect((await stat(saved)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(saved, 'utf8'))).toMatchObject({ agent_token: expect.stringMatching(/^syn_agt_/) });
    expect(dev.output).not.toContain(JSON.parse(await readFile(saved, 'utf8')).agent_token);
  }, 300_000);

  it('signs in with the one-time link it logged and shows this machine online', async () => {
    const link = loginLinkPattern.exec(dev!.output)?.[1];
    expect(link, 'the first start logs a login link').toBeDefined();
    await page.goto(link!);
    await page.getByRole('heading', { name: 'Projects' }).waitFor({ timeout: FIRST_PAGE_TIMEOUT_MS });
    await page.getByRole('link', { name: 'Servers' }).click();
    const row = page.locator(`tr[data-server="${thisMachineName}"]`);
    await expect
      .poll(() => row.locator('[data-status]').getAttribute('data-status'), { timeout: SERVER_ONLINE_TIMEOUT_MS, interval: 500 })
      .toBe('online');
    expect(await page.locator('tbody tr').count()).toBe(1);
    await screenshot(page, 'first-deploy-servers');
  }, FIRST_PAGE_TIMEOUT_MS + SERVER_ONLINE_TIMEOUT_MS);

  it('creates a project and a service from the local registry, deploys it, and shows it running', async () => {
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByLabel('Project name').fill('First');
    await page.getByLabel('Project name').press('Enter');
    await page.getByRole('heading', { name: 'First' }).waitFor();
    await page.getByRole('link', { name: 'New service' }).click();

    await page.getByLabel('Name', { exact: true }).fill('hello');
    await expect.poll(() => page.getByLabel('Server', { exact: true }).inputValue()).not.toBe('');
    expect(await page.getByLabel('Server', { exact: true }).locator('option:checked').textContent()).toContain(thisMachineName);
    await fillImageService(page, registry);
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.getByRole('heading', { name: 'hello' }).waitFor();
    serviceId = new URL(page.url()).pathname.split('/')[2];
    projectSlug = await page.evaluate(async () => {
      const projects = (await (await fetch('/api/v1/projects')).json()) as { data: { name: string; slug: string }[] };
      return projects.data.find((project) => project.name === 'First')?.slug;
    });

    await page.getByRole('button', { name: 'Deploy' }).click();
    const latestStatus = page.getByTestId('active-deployment').locator('.page-head [data-status]');
    await latestStatus.waitFor();
    await expect.poll(() => latestStatus.getAttribute('data-status'), { timeout: RUNNING_TIMEOUT_MS, interval: 500 }).toBe('running');
    await screenshot(page, 'first-deploy-running');

    // Running on this machine's Docker, as Docker itself reports it.
    const containers = await docker.listContainers({ filters: { label: [`syntra.service_id=${serviceId}`] } });
    expect(containers.map((container) => container.State)).toEqual(['running']);
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('stops promptly with the page open, and the next start reuses this machine: the same one server online again, the service still running', async () => {
    const saved = path.join(sandbox.env.SYNTRA_DATA_DIR!, thisMachineFileName);
    const before = await readFile(saved, 'utf8');
    // With the page still open: its hot-reload socket must not hold the API until it is killed.
    const stopping = Date.now();
    expect(await stopDev(dev!.child)).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(stopTimeoutMs);
    dev = await startDev(sandbox.env);
    expect(await readFile(saved, 'utf8')).toBe(before);
    expect(loginLinkPattern.test(dev.output), 'a later start logs no login link').toBe(false);

    await page.getByRole('link', { name: 'Servers' }).click();
    const row = page.locator(`tr[data-server="${thisMachineName}"]`);
    await expect
      .poll(() => row.locator('[data-status]').getAttribute('data-status'), { timeout: SERVER_ONLINE_TIMEOUT_MS, interval: 500 })
      .toBe('online');
    expect(await page.locator('tbody tr').count()).toBe(1);
    const containers = await docker.listContainers({ filters: { label: [`syntra.service_id=${serviceId}`] } });
    expect(containers.map((container) => container.State)).toEqual(['running']);

    expect(await stopDev(dev.child)).toBe(0);
    dev = undefined;
  }, 300_000);
});
