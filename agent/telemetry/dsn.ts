import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * A service's Sentry key is HMAC-SHA256(key: SHA-256 hex of the server's agent token,
 * message: "syntra-sentry-dsn:" + service_id), first 32 hex digits. The control plane stores
 * exactly that SHA-256 (`servers.agent_token_hash`), so it computes the same DSN for the API
 * without any new message; nobody without the token (or its hash) can guess a key, and a key
 * names its service on this server only.
 */
const KEY_HEX_DIGITS = 32;
const KEY_CONTEXT = 'syntra-sentry-dsn:';
/* Sentry SDKs require a numeric project id in the DSN; the key alone identifies the service. */
export const SENTRY_PROJECT_ID = '1';

export function sentryKey(agentTokenHash: string, serviceId: string): string {
  return createHmac('sha256', agentTokenHash).update(`${KEY_CONTEXT}${serviceId}`).digest('hex').slice(0, KEY_HEX_DIGITS);
}

/** `http://<key>@<host:port>/1`: what a Sentry SDK in the service's containers is configured with. */
export function sentryDsn(agentTokenHash: string, serviceId: string, receiverOrigin: URL): string {
  return `${receiverOrigin.protocol}//${sentryKey(agentTokenHash, serviceId)}@${receiverOrigin.host}/${SENTRY_PROJECT_ID}`;
}

/** The service among `serviceIds` whose key this is, or undefined. */
export function serviceOfKey(agentTokenHash: string, key: string, serviceIds: readonly string[]): string | undefined {
  const presented = Buffer.from(key.toLowerCase());
  return serviceIds.find((serviceId) => {
    const expected = Buffer.from(sentryKey(agentTokenHash, serviceId));
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  });
}
