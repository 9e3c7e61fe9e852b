import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { createProject, createServer, createService } from '../support/fixtures.js';
import { TEMPORAL_WEB_URL } from './operator-stack.js';
import { startOperatorStack, type OperatorStack } from './operator-stack.js';

/* The operator's admin pages (tokens, members, audit log, deletes) in Chromium; setup in operator-stack.ts. */

let stack: OperatorStack;
let api: OperatorStack['api'];
let baseUrl: string;
let page: OperatorStack['page'];
let serverId: string;
let projectId: string;
let expectAccessible: OperatorStack['expectAccessible'];

afterAll(async () => {
  await stack?.close();
});

beforeAll(async () => {
  stack = await startOperatorStack('operator-admin-ui');
  ({ api, baseUrl, page, serverId, projectId, expectAccessible } = stack);
  await stack.signIn();
});

describe("the operator's admin pages in Chromium", () => {
  afterEach(() => {
    expect(stack.pageErrors.splice(0)).toEqual([]);
  });

  it('creates a token shown once, which works until it is revoked', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Token name').fill('ci deploys');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').textContent()) ?? '';
    expect(token).toMatch(/^syn_usr_/);
    const me = () => fetch(`${baseUrl}/api/v1/auth/me`, { headers: bearer(token) });
    expect((await me()).status).toBe(200);
    await expectAccessible('tokens');
    await page.reload();
    await page.getByTestId('tokens').locator('tr[data-token="ci deploys"]').waitFor();
    expect(await page.getByTestId('new-token').count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke ci deploys' }).click();
    await page.getByTestId('tokens').locator('tr[data-token="ci deploys"]').waitFor({ state: 'detached' });
    expect((await me()).status).toBe(401);
  });

  it('invites a member, changes their role, and finds both in the audit log', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await page.getByLabel('Email').fill('ana@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Invite' }).click();
    expect(await page.getByTestId('login-url').textContent()).toContain('/auth/link/');
    await page.getByLabel('Role of ana@example.com').selectOption('developer');
    await expect
      .poll(async () => {
        const members = (await (await fetch(`${baseUrl}/api/v1/members`, { headers: bearer(api.ownerToken) })).json()).data as { email: string; role: string }[];
        return members.find((member) => member.email === 'ana@example.com')?.role;
      })
      .toBe('developer');
    await expectAccessible('members');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    const entries = page.getByTestId('audit-log');
    await entries.locator('tr[data-action="token.create"]').waitFor();
    await page.getByLabel('Action').fill('member.update');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => entries.locator('tbody tr').evaluateAll((rows) => [...new Set(rows.map((row) => row.getAttribute('data-action')))])).toEqual(['member.update']);
    await expectAccessible('audit-log');
  });
  it('deletes a service, a project and a server only once their name is typed, in a labelled modal dialog', async () => {
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const doomed = await createProject(db, orgId, 'doomed');
    const doomedServiceId = (
      await db.insertInto('services').values({ project_id: doomed.id, server_id: serverId, name: 'old-worker', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const spare = (await createServer(db, orgId, 'spare-host')).server;
    const status = (path: string) => fetch(`${baseUrl}/api/v1${path}`, { headers: bearer(api.ownerToken) }).then((response) => response.status);

    await page.goto(`${baseUrl}/services/${doomedServiceId}`);
    const opener = page.getByRole('button', { name: 'Delete service old-worker' });
    await opener.click();
    const dialog = page.getByRole('dialog', { name: 'Delete the service “old-worker”?' });
    await dialog.waitFor();
    const typed = dialog.getByLabel('Type old-worker to confirm');
    expect(await typed.evaluate((input) => input === document.activeElement)).toBe(true);
    // Focus stays inside the dialog however far one tabs.
    for (let step = 0; step < 6; step += 1) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((element) => element.contains(document.activeElement)), `tab ${step}`).toBe(true);
    }
    const confirm = dialog.getByRole('button', { name: 'Delete this service' });
    await typed.fill('old-worke');
    expect(await confirm.isDisabled()).toBe(true);
    await expectAccessible('delete-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await opener.evaluate((button) => button === document.activeElement)).toBe(true);
    expect(await status(`/services/${doomedServiceId}`)).toBe(200);

    await opener.click();
    expect(await typed.inputValue()).toBe('');
    await typed.fill('old-worker');
    await confirm.click();
    await page.waitForURL(`${baseUrl}/projects/${doomed.id}`);
    expect(await status(`/services/${doomedServiceId}`)).toBe(404);

    await page.getByRole('button', { name: `Delete project ${doomed.name}` }).click();
    const projectDialog = page.getByRole('dialog', { name: `Delete the project “${doomed.name}”?` });
    await projectDialog.getByLabel(`Type ${doomed.name} to confirm`).fill(doomed.name);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${baseUrl}/projects`);
    expect(await status(`/projects/${doomed.id}`)).toBe(404);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('button', { name: 'Delete server spare-host' }).click();
    const serverDialog = page.getByRole('dialog', { name: 'Delete the server “spare-host”?' });
    await serverDialog.getByLabel('Type spare-host to confirm').fill('spare-host');
    await serverDialog.getByRole('button', { name: 'Delete this server' }).click();
    await page.locator('tr[data-server="spare-host"]').waitFor({ state: 'detached' });
    expect(await status(`/servers/${spare.id}`)).toBe(404);
    await page.locator('tr[data-server="ops-host"]').waitFor();
  });

  it('shows earlier deployments superseded and links every operation to its workflow in Temporal Web', async () => {
    const { db } = api.platform;
    const service = await createService(db, api.platform.secrets, {
      projectId,
      serverId,
      name: 'storefront',
      image: { registry: 'registry.example.com', repository: 'shop/storefront', tag: 'v3' },
      port: 8080,
    });
    // Three deployments that each ran: the service returned to the first, then moved on twice.
    const ran = [];
    for (const minutesAgo of [30, 20, 10]) {
      const at = new Date(Date.now() - minutesAgo * 60_000);
      ran.push(
        (await db.insertInto('deployments').values({ service_id: service.id, status: 'running', created_at: at, started_at: at, finished_at: at }).returning('id').executeTakeFirstOrThrow()).id,
      );
    }
    await db.updateTable('services').set({ current_deployment_id: ran[2]! }).where('id', '=', service.id).execute();

    await page.goto(`${baseUrl}/services/${service.id}`);
    const history = page.getByTestId('deployment-history');
    await history.waitFor();
    const badgeOf = (id: string) => history.locator(`tr[data-deployment="${id}"] .badge`).getAttribute('data-status');
    expect(await badgeOf(ran[2]!)).toBe('running');
    expect(await badgeOf(ran[1]!)).toBe('superseded');
    expect(await badgeOf(ran[0]!)).toBe('superseded');
    expect(await history.locator('.badge[data-status="running"]').count()).toBe(1);

    // Each operation through the UI (or the API, for the health check): queued with its workflow and listed at once.
    await page.getByRole('button', { name: 'Deploy' }).click();
    await history.locator('tr[data-status="queued"]').waitFor();
    await page.getByLabel('Replicas').fill('2');
    await page.getByRole('button', { name: 'Scale' }).click();
    await page.getByText('Scaling to 2 replicas.').waitFor();
    await page.getByRole('button', { name: 'Restart' }).click();
    await page.getByText('Restart requested.').waitFor();
    const patch = await fetch(`${baseUrl}/api/v1/services/${service.id}`, {
      method: 'PATCH',
      headers: { ...bearer(api.ownerToken), 'content-type': 'application/json' },
      body: JSON.stringify({ health_check: { type: 'tcp', interval_seconds: 5, timeout_seconds: 2, retries: 3, start_period_seconds: 0 } }),
    });
    expect(patch.status).toBe(200);
    await page.reload();
    const operations = page.getByTestId('operation-history').locator('tbody tr');
    await expect.poll(() => operations.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-kind')))).toEqual(['health_check', 'restart', 'scale', 'deploy']);
    expect(await operations.nth(2).locator('th').textContent()).toBe('Scale 1 → 2');
    const links = await operations.getByRole('link', { name: /Open in Temporal Web/ }).evaluateAll((anchors) => anchors.map((anchor) => (anchor as HTMLAnchorElement).href));
    const audited = await db.selectFrom('audit_logs').select(['action', 'details']).where('resource_id', '=', service.id).orderBy('created_at', 'desc').execute();
    const deploy = await db.selectFrom('deployments').select(['id', 'workflow_id']).where('service_id', '=', service.id).where('status', '=', 'queued').executeTakeFirstOrThrow();
    const workflowIds = [...audited.map((entry) => (entry.details as { workflow_id: string }).workflow_id), deploy.workflow_id];
    expect(workflowIds).toEqual([expect.stringMatching(/^health-check-/), expect.stringMatching(/^restart-/), expect.stringMatching(/^scale-/), `deploy-${deploy.id}`]);
    expect(links).toEqual(workflowIds.map((id) => `${TEMPORAL_WEB_URL}/namespaces/${api.platform.temporal.namespace}/workflows/${id}`));
    // The deploy's row leads to its deployment page too.
    await operations.nth(3).getByRole('link', { name: 'Deploy', exact: true }).click();
    await page.waitForURL(`${baseUrl}/deployments/${deploy.id}`);
    await page.goBack();
    await page.getByTestId('operation-history').waitFor();
    await expectAccessible('service-operations');
  });
});
