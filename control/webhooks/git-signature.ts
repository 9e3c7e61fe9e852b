import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { GitHostKind } from '../../contracts/index.js';

/*
 * Which git host sent a webhook, and whether it knows the project's secret. GitHub signs the raw
 * body with HMAC-SHA256 (`X-Hub-Signature-256: sha256=<hex>`), Gitea and Forgejo the same without
 * the prefix (`X-Gitea-Signature`; Forgejo sends it too), GitLab sends the secret itself
 * (`X-Gitlab-Token`). Gitea also sends GitHub's headers, so it is recognised first. Every
 * comparison is in constant time over equal-length digests, so neither the secret nor a valid
 * signature leaks through timing.
 */

type Headers = Record<string, string | string[] | undefined>;

export interface GitDelivery {
  host: GitHostKind;
  /** The host's event name: `push` (GitHub, Gitea), `Push Hook` (GitLab). */
  event: string | null;
}

const single = (value: string | string[] | undefined) => (typeof value === 'string' ? value : null);

const digestOf = (text: string | Buffer) => createHash('sha256').update(text).digest();

/** Equal in constant time: both sides hashed first, so their lengths never differ. */
const sameText = (offered: string, expected: string) => timingSafeEqual(digestOf(offered), digestOf(expected));

const hmacHex = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');

/** The host and event a delivery claims, or null when it carries no credential a host would send. */
export function deliveryOf(headers: Headers): (GitDelivery & { credential: string }) | null {
  const gitea = single(headers['x-gitea-signature']) ?? single(headers['x-forgejo-signature']);
  if (gitea !== null) return { host: 'gitea', event: single(headers['x-gitea-event']) ?? single(headers['x-forgejo-event']), credential: gitea };
  const github = single(headers['x-hub-signature-256']);
  if (github !== null) return { host: 'github', event: single(headers['x-github-event']), credential: github };
  const gitlab = single(headers['x-gitlab-token']);
  if (gitlab !== null) return { host: 'gitlab', event: single(headers['x-gitlab-event']), credential: gitlab };
  return null;
}

/** True when the delivery's credential proves it knows `secret`. */
export function verifyDelivery(delivery: GitDelivery & { credential: string }, secret: string, rawBody: Buffer): boolean {
  switch (delivery.host) {
    case 'github':
      return sameText(delivery.credential.toLowerCase(), `sha256=${hmacHex(secret, rawBody)}`);
    case 'gitea':
      return sameText(delivery.credential.toLowerCase(), hmacHex(secret, rawBody));
    case 'gitlab':
      return sameText(delivery.credential, secret);
  }
}

/** The event names of a branch or tag push, per host. */
export const isPushEvent = (delivery: GitDelivery) => delivery.event === (delivery.host === 'gitlab' ? 'Push Hook' : 'push');

/**
 * What makes a delivery a replay: its signed body. A host's delivery id header is not signed, so
 * a replay could change it; the body names the commits before and after, so two real pushes never
 * share one.
 */
export const deliveryKeyOf = (rawBody: Buffer) => `sha256:${digestOf(rawBody).toString('hex')}`;
