import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentDomainStatus } from '../../contracts/index.js';
import { bearer } from '../support/auth.js';
import { startOperatorStack, type OperatorStack } from './operator-stack.js';

/*
 * The service page's Domains panel in Chromium against the real API and gateway: domains added
 * and removed through the service update API, each with its state in words (not colour alone),
 * the DNS record to create, and certificate changes arriving live from an agent's heartbeat.
 */

let stack: OperatorStack;
const serverIp = '203.0.113.9';
const defaultDomain = 'checkout-shop.apps.example.net';

afterAll(async () => {
  await stack?.close();
});

beforeAll(async () => {
  stack = await startOperatorStack('domains-ui');
  const { db } = stack.api.platform;
  await db.updateTable('servers').set({ public_ip: serverIp }).where('id', '=', stack.serverId).execute();
  await db.updateTable('deployments').set({ status: 'running', endpoint: '127.0.0.1:41234' }).where('id', '=', stack.deploymentId).execute();
  // What SYNTRA_BASE_DOMAIN gives a service (tests/api/default-domain.test.ts).
  await db.insertInto('service_domains').values({ domain: defaultDomain, service_id: stack.serviceId, is_default: true }).execute();
  const neighbour = await db.insertInto('services').values({ project_id: stack.projectId, server_id: stack.serverId, name: 'blog', source_type: 'image' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('service_domains').values({ domain: 'taken.example.com', service_id: neighbour.id }).execute();
  await stack.signIn();
});

describe("a service's domains on its page", () => {
  afterEach(() => {
    expect(stack.pageErrors.splice(0)).toEqual([]);
  });

  const panel = () => stack.page.getByTestId('domains-panel');
  const row = (domain: string) => panel().locator(`li[data-domain="${domain}"]`);
  const storedDomains = async () =>
    ((await (await fetch(`${stack.baseUrl}/api/v1/services/${stack.serviceId}`, { headers: bearer(stack.api.ownerToken) })).json()).data as { domains: string[] }).domains;
  const report = (status: Omit<AgentDomainStatus, 'service_id'>) => stack.agent.heartbeat({ domains: [{ ...status, service_id: stack.serviceId }] });

  it('adds a domain and shows the DNS record to create, and where the service answers', async () => {
    const { page } = stack;
    await page.goto(`${stack.baseUrl}/services/${stack.serviceId}`);
    await expect.poll(() => panel().getByTestId('endpoint').textContent()).toContain(`(${serverIp}), the service answers at 127.0.0.1:41234`);
    // The default domain is listed first, and is not the user's to remove.
    await row(defaultDomain).waitFor();
    expect(await row(defaultDomain).textContent()).toContain('default address');
    expect(await row(defaultDomain).getByRole('button').count()).toBe(0);

    await page.getByLabel('New domain').fill('Not a domain');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await panel().getByRole('alert').filter({ hasText: 'lowercase DNS name' }).waitFor();
    expect(await storedDomains()).toEqual([]);

    // The API's 409 is shown as it words it, and the name stays in the field to correct.
    await page.getByLabel('New domain').fill('taken.example.com');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await panel().getByRole('alert').filter({ hasText: 'Already used by another service: taken.example.com' }).waitFor();
    expect(await page.getByLabel('New domain').inputValue()).toBe('taken.example.com');
    expect(await storedDomains()).toEqual([]);

    await page.getByLabel('New domain').fill('shop.example.com');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await row('shop.example.com').waitFor();
    expect(await row('shop.example.com').locator('[data-status]').textContent()).toBe('pending dns');
    expect(await row('shop.example.com').getByTestId('dns-record').textContent()).toBe(`shop.example.com A ${serverIp}`);
    expect(await storedDomains()).toEqual(['shop.example.com']);
    await stack.expectAccessible('domains-pending');
  });

  it("follows the certificate live as the agent's heartbeats report it: issuing, active with its expiry, the ACME error", async () => {
    const status = () => row('shop.example.com').locator('[data-status]').textContent();
    const state = () => row('shop.example.com').locator('.domain-state').textContent();
    report({ domain: 'shop.example.com', status: 'issuing', expires_at: null, issuer: null, error: null });
    await expect.poll(status, { timeout: 10_000 }).toBe('issuing');

    const expiresAt = '2027-03-01T12:00:00.000Z';
    report({ domain: 'shop.example.com', status: 'active', expires_at: expiresAt, issuer: 'Pebble Intermediate CA', error: null });
    await expect.poll(status, { timeout: 10_000 }).toBe('active');
    expect(await state()).toMatch(/Certificate valid until .*2027.*, issued by Pebble Intermediate CA/);
    expect(await row('shop.example.com').locator('.domain-sign').textContent()).toBe('✓');

    const reason = 'urn:ietf:params:acme:error:rejectedIdentifier: Error creating new order :: Cannot issue for "shop.example.com"';
    report({ domain: 'shop.example.com', status: 'error', expires_at: null, issuer: null, error: reason });
    await expect.poll(status, { timeout: 10_000 }).toBe('error');
    expect(await state()).toContain(reason);
    await stack.expectAccessible('domains-error');

    // What arrived live is what the API reads back.
    await stack.page.reload();
    await expect.poll(status).toBe('error');
  });

  it('removes a domain through the service update API', async () => {
    await stack.page.getByRole('button', { name: 'Remove shop.example.com' }).click();
    await row('shop.example.com').waitFor({ state: 'detached' });
    expect(await storedDomains()).toEqual([]);
    expect(await panel().locator('li').count()).toBe(1);
  });
});
