import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

describe('AI calls per organization', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  beforeAll(async () => {
    api = await startTestApi('ai_rate', { SYNTRA_AI_RATE_LIMIT_PER_MINUTE: '2' });
  });
  afterAll(() => api?.close());

  const dockerfile = (headers: Record<string, string>) =>
    api.app.inject({ method: 'POST', url: '/api/v1/ai/generate-dockerfile', headers, payload: { repo_url: 'https://github.com/acme/shop', framework_hint: 'go' } });

  it("share one budget among the organization's members; another organization keeps its own", async () => {
    const { db } = api.platform;
    const owner = bearer(api.ownerToken);
    const developer = bearer((await addMember(db, (await bootstrappedOrganization(db)).id, 'developer')).token);
    expect((await dockerfile(owner)).statusCode).toBe(200);
    expect((await dockerfile(developer)).statusCode).toBe(200);
    const limited = await dockerfile(developer);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/^Too many AI calls from this organization; retry in \d+ s$/) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const chat = await api.app.inject({ method: 'POST', url: '/api/v1/ai/chat', headers: owner, payload: { message: 'is it healthy?' } });
    expect(chat.statusCode).toBe(429);
    expect(chat.headers['content-type']).toMatch(/^application\/json/);
    // Reading what is stored costs nothing.
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/ai/settings', headers: owner })).statusCode).toBe(200);

    const other = await otherOrganization(db, 'ai-rate-other');
    expect((await dockerfile(bearer(other.ownerToken))).statusCode).toBe(200);
  });
});
