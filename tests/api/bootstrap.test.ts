import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import { hashToken, issueToken } from '../../contracts/tokens.js';
import { openPlatform, type Platform } from '../../control/platform.js';
import { ConfigError, loadConfig } from '../../config/env.js';
import { bearer } from '../support/auth.js';
import { testConfig } from '../support/platform.js';

function capturingLogger() {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

describe('the first start', () => {
  const bootstrapToken = issueToken('usr').token;
  let env: Awaited<ReturnType<typeof testConfig>>;
  let platform: Platform;
  let firstLog: ReturnType<typeof capturingLogger>;

  beforeAll(async () => {
    env = await testConfig('bootstrap', {
      SYNTRA_BOOTSTRAP_TOKEN: bootstrapToken,
      SYNTRA_OWNER_EMAIL: 'boss@example.com',
      SYNTRA_ORG_NAME: 'Acme Corp',
      SYNTRA_PUBLIC_URL: 'http://syntra.test:3000',
    });
    firstLog = capturingLogger();
    platform = await openPlatform(env.config, firstLog.log);
  });
  afterAll(async () => {
    await platform?.close();
    await env?.cleanup();
  });

  it('creates the owner, the organization and the owner membership', async () => {
    const db = platform.db;
    const users = await db.selectFrom('users').selectAll().execute();
    expect(users.map((user) => user.email)).toEqual(['boss@example.com']);
    const orgs = await db.selectFrom('organizations').selectAll().execute();
    expect(orgs).toMatchObject([{ name: 'Acme Corp', slug: 'acme-corp', owner_id: users[0]!.id }]);
    expect(await db.selectFrom('org_members').select(['user_id', 'role']).execute()).toEqual([{ user_id: users[0]!.id, role: 'owner' }]);
  });

  it('stores SYNTRA_BOOTSTRAP_TOKEN as the owner\'s token, by its hash only', async () => {
    const rows = await platform.db.selectFrom('api_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ token_hash: hashToken(bootstrapToken), token_prefix: bootstrapToken.slice(0, 12), project_id: null });
    expect(JSON.stringify(rows)).not.toContain(bootstrapToken);

    const app = await buildApi(platform, pino({ level: 'silent' }));
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(bootstrapToken) });
    await app.close();
    expect(me.statusCode).toBe(200);
    expect(me.json().data).toMatchObject({ user: { email: 'boss@example.com' }, organization: { slug: 'acme-corp' }, role: 'owner', csrf_token: null });
  });

  it('logs a one-time login link once, which signs in exactly once and never appears in request logs', async () => {
    const linkLines = firstLog.lines.filter((line) => line.includes('/api/v1/auth/link/'));
    expect(linkLines).toHaveLength(1);
    const url = /http:\/\/syntra\.test:3000\/api\/v1\/auth\/link\/([\w-]+)/.exec(linkLines[0]!);
    expect(url).not.toBeNull();
    const secret = url![1]!;
    expect(linkLines[0]).not.toContain(bootstrapToken);

    const link = await platform.db.selectFrom('login_links').selectAll().executeTakeFirstOrThrow();
    expect(link.token_hash).toBe(hashToken(secret));
    expect(link.used_at).toBeNull();
    const validForHours = (link.expires_at.getTime() - Date.now()) / 3_600_000;
    expect(validForHours).toBeGreaterThan(23.9);
    expect(validForHours).toBeLessThanOrEqual(24);

    const requestLog = capturingLogger();
    const app = await buildApi(platform, requestLog.log);
    const first = await app.inject({ method: 'GET', url: `/api/v1/auth/link/${secret}` });
    expect(first.statusCode).toBe(302);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json().data.role).toBe('owner');

    const second = await app.inject({ method: 'GET', url: `/api/v1/auth/link/${secret}` });
    expect(second.statusCode).toBe(401);
    await app.close();
    // Requests are logged (the /auth/me line proves it), but not the link's.
    expect(requestLog.lines.join('\n')).toContain('/api/v1/auth/me');
    expect(requestLog.lines.join('\n')).not.toContain(secret);
  });

  it('creates nothing on the next start', async () => {
    const counts = async (p: Platform) =>
      Promise.all((['users', 'organizations', 'org_members', 'api_tokens', 'login_links'] as const).map(async (table) =>
        (await p.db.selectFrom(table).select(p.db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n,
      ));
    const before = await counts(platform);
    const secondLog = capturingLogger();
    const again = await openPlatform(env.config, secondLog.log);
    try {
      expect(await counts(again)).toEqual(before);
      expect(secondLog.lines.join('\n')).not.toContain('/api/v1/auth/link/');
    } finally {
      await again.close();
    }
  });
});

describe('SYNTRA_BOOTSTRAP_TOKEN', () => {
  it('must be a well-formed user token', () => {
    for (const value of [issueToken('agt').token, issueToken('prj').token, 'syn_usr_short', 'hunter2']) {
      const attempt = () => loadConfig({ SYNTRA_BOOTSTRAP_TOKEN: value });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/SYNTRA_BOOTSTRAP_TOKEN/);
    }
    expect(loadConfig({ SYNTRA_BOOTSTRAP_TOKEN: issueToken('usr').token }).SYNTRA_BOOTSTRAP_TOKEN).toMatch(/^syn_usr_/);
  });

  it('may be left unset: the first start still creates the owner and a login link', async () => {
    const env = await testConfig('bootstrap_plain', { SYNTRA_BOOTSTRAP_TOKEN: '' });
    const platform = await openPlatform(env.config, pino({ level: 'silent' }));
    try {
      expect(await platform.db.selectFrom('users').select('email').execute()).toEqual([{ email: 'owner@localhost' }]);
      expect(await platform.db.selectFrom('organizations').select(['name', 'slug']).execute()).toEqual([{ name: 'Default', slug: 'default' }]);
      expect(await platform.db.selectFrom('api_tokens').selectAll().execute()).toEqual([]);
      expect(await platform.db.selectFrom('login_links').selectAll().execute()).toHaveLength(1);
    } finally {
      await platform.close();
      await env.cleanup();
    }
  });
});
