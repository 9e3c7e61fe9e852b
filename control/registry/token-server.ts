import { randomUUID, sign, type KeyObject } from 'node:crypto';
import type { SecretCipher } from '../secrets/cipher.js';
import { openRegistryCredential, type RegistryGrant } from './credentials.js';

/*
 * The Docker registry token protocol's token server (distribution's docs/spec/auth/token.md):
 * Docker asks `GET <realm>?service=…&scope=repository:<name>:<actions>` with the deploy's or the
 * build's credential as Basic auth, and gets a JWT (ES256, `kid` = the signing key's libtrust id)
 * granting the requested actions the credential allows, on its one repository, for a few minutes.
 * A scope outside the credential is granted nothing (the registry then answers 401), as the
 * protocol asks, rather than refused: that is how Docker learns what it may do.
 */

export const registryService = 'syntra-registry';
export const tokenIssuer = 'syntra-control-plane';
/** Registry JWTs live this long; Docker asks again for each pull or push. */
export const registryTokenSeconds = 5 * 60;

export interface TokenSigner {
  privateKey: KeyObject;
  keyId: string;
}

interface Access {
  type: 'repository';
  name: string;
  actions: string[];
}

/** `repository:a/b:pull,push` (several may come, as repeated `scope` parameters). */
export function parseScopes(scopes: string[]): Access[] {
  const accesses: Access[] = [];
  for (const scope of scopes) {
    const match = /^repository:([a-z0-9]+(?:[._\-/][a-z0-9]+)*):([a-z*,]+)$/.exec(scope);
    if (match) accesses.push({ type: 'repository', name: match[1]!, actions: match[2]!.split(',') });
  }
  return accesses;
}

/** What a grant allows of what was asked: only its repository, only its actions. */
export function grantedAccess(grant: RegistryGrant, requested: Access[]): Access[] {
  return requested
    .filter((access) => access.name === grant.repository)
    .map((access) => ({ ...access, actions: access.actions.filter((action) => (grant.actions as string[]).includes(action)) }))
    .filter((access) => access.actions.length > 0);
}

/** The Basic auth password of an Authorization header, if any. */
export function basicPassword(header: string | undefined): string | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signRegistryToken(signer: TokenSigner, subject: string, access: Access[], now = Date.now(), ttlSeconds = registryTokenSeconds): string {
  const issuedAt = Math.floor(now / 1000);
  const header = { alg: 'ES256', typ: 'JWT', kid: signer.keyId };
  const claims = {
    iss: tokenIssuer,
    sub: subject,
    aud: registryService,
    exp: issuedAt + ttlSeconds,
    nbf: issuedAt - 1,
    iat: issuedAt,
    jti: randomUUID(),
    access,
  };
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export type TokenAnswer = { status: 200; body: { token: string; access_token: string; expires_in: number; issued_at: string } } | { status: 401; body: { errors: { code: string; message: string }[] } };

/** The token server's answer to one request. */
export function answerTokenRequest(
  cipher: SecretCipher,
  signer: TokenSigner,
  request: { authorization: string | undefined; service: string | undefined; scopes: string[] },
  now = Date.now(),
): TokenAnswer {
  const password = basicPassword(request.authorization);
  const grant = password === null ? null : openRegistryCredential(cipher, password, now);
  if (!grant || (request.service !== undefined && request.service !== registryService)) {
    return { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'A valid, unexpired registry credential is required' }] } };
  }
  const access = grantedAccess(grant, parseScopes(request.scopes));
  const token = signRegistryToken(signer, `repository:${grant.repository}`, access, now);
  return { status: 200, body: { token, access_token: token, expires_in: registryTokenSeconds, issued_at: new Date(now).toISOString() } };
}
