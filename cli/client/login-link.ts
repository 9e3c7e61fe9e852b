import os from 'node:os';
import { apiClient } from './api-client.js';
import { UsageError } from '../usage-error.js';

/*
 * `syntra login --link`: the one-time sign-in link an owner hands a new member (POST /members)
 * opens a browser session; the CLI follows it itself, makes a user token with that session, and
 * ends the session. The link is used up, as a browser would use it up.
 */
export async function signInWithLink(url: string, link: string): Promise<string> {
  const response = await fetch(link, { redirect: 'manual', signal: AbortSignal.timeout(30_000) }).catch((error: unknown) => {
    throw new UsageError(`Cannot open the sign-in link: ${error instanceof Error ? error.message : String(error)}`);
  });
  const sessionCookie = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]!).find((pair) => /=.+/.test(pair));
  if (response.status !== 302 || !sessionCookie) {
    throw new UsageError('That sign-in link is invalid, already used or expired: ask an owner of the organization for a new one');
  }
  const session = apiClient({ url, sessionCookie, csrfToken: null });
  const identity = await session.call('getMe');
  const withCsrf = apiClient({ url, sessionCookie, csrfToken: identity.csrf_token ?? null });
  const created = await withCsrf.call('createApiToken', { body: { name: `syntra CLI on ${os.hostname()}` } });
  await withCsrf.call('logout');
  return created.token;
}
