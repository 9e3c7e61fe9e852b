import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { bootstrappedOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { sendBatch, zstdBatch } from '../ingest/telemetry-batches.js';
import { seriousViolations } from './accessibility.js';
import { launchBrowser, screenshot, viewports } from './browser.js';
import { ensureProductionUi } from './production-build.js';

/*
 * The operator's pages in Chromium against the real API, PostgreSQL and chDB, with telemetry
 * sent through the real ingest path: an agent speaking the real protocol to the gateway
 * (tests/ingest do the same), so what the pages show is what ingest stored. Every page passes
 * axe-core without a serious or critical violation. Shared by the operator's test files.
 */

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');
export const nowNs = () => Date.now() * 1e6;
/** Where the pages link runs to; nothing needs to listen there. */
export const TEMPORAL_WEB_URL = 'http://127.0.0.1:8233';

/** A project `shop` with a service `checkout` and one deployment on server `ops-host`, its agent connected, and a signed-out page. */
export async function startOperatorStack(label: string) {
  await ensureProductionUi();
  const api = await startTestApi(label, { TEMPORAL_WEB_URL });
  const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { db } = api.platform;
  const orgId = (await bootstrappedOrganization(db)).id;
  const created = await createServer(db, orgId, 'ops-host');
  const serverId = created.server.id;
  const { id: projectId, name: projectName } = await createProject(db, orgId, 'shop');
  const serviceId = (
    await db.insertInto('services').values({ project_id: projectId, server_id: serverId, name: 'checkout', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
  ).id;
  const deploymentId = (await db.insertInto('deployments').values({ service_id: serviceId }).returning('id').executeTakeFirstOrThrow()).id;
  const agent = await FakeAgent.connect(baseUrl, created.token, serverId);
  expect((await agent.hello()).payload).toMatchObject({ accepted: true });
  const session = await openOperatorBrowser(baseUrl, api.ownerToken);
  return {
    ...session,
    api,
    baseUrl,
    serverId,
    projectId,
    projectName,
    serviceId,
    deploymentId,
    agent,
    send: (data: Parameters<typeof zstdBatch>[1]) => sendBatch(agent, zstdBatch(serverId, data)),
    async close() {
      await session.close();
      await agent.close();
      await api.close();
    },
  };
}

/**
 * Chromium on a signed-out page of the app at `baseUrl`, keeping its uncaught and console errors;
 * shared by the operator's and the AI screens' test files (the latter grant clipboard access).
 */
export async function openOperatorBrowser(
  baseUrl: string,
  ownerToken: string,
  options: { permissions?: string[]; screenshotPrefix?: string } = {},
) {
  const browser = await launchBrowser();
  // bypassCSP: the app's policy allows only its own scripts, and axe-core is injected by the test.
  const context = await browser.newContext({ viewport: viewports.laptop, bypassCSP: true });
  if (options.permissions) await context.grantPermissions(options.permissions, { origin: baseUrl });
  const page: Page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  page.on('dialog', (dialog) => void dialog.accept());
  async function signInAs(target: Page, token: string): Promise<void> {
    await target.goto(baseUrl);
    await target.getByLabel('User token').fill(token);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.getByRole('heading', { name: 'Projects' }).waitFor();
  }
  return {
    browser,
    page,
    pageErrors,
    signIn: () => signInAs(page, ownerToken),
    signInAs,
    async expectAccessible(name: string) {
      await screenshot(page, `${options.screenshotPrefix ?? 'operator'}-${name}`);
      expect(await seriousViolations(page), name).toEqual([]);
    },
    close: () => browser.close(),
  };
}

export type OperatorStack = Awaited<ReturnType<typeof startOperatorStack>>;
