import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashToken } from './token-hash.js';

/** Token kinds of contract section 2.1: `syn_<kind>_<random>`. */
export type TokenKind = 'usr' | 'prj' | 'agt';

const randomBytesPerToken = 32;
const prefixLength = 12;
const tokenPattern = /^syn_(usr|prj|agt)_[A-Za-z0-9_-]{43}$/;

export interface IssuedToken {
  /** Shown once to its owner, never stored. */
  token: string;
  /** SHA-256 hex of the whole token: the only form kept in the database. */
  hash: string;
  /** The first characters, kept so a person can recognise a token in a list. */
  prefix: string;
}

export function issueToken(kind: TokenKind): IssuedToken {
  const token = `syn_${kind}_${randomBytes(randomBytesPerToken).toString('base64url')}`;
  return { token, hash: hashToken(token), prefix: tokenPrefix(token) };
}

/** The first characters, which `api_tokens.token_prefix` keeps so a person can recognise a token. */
export function tokenPrefix(token: string): string {
  return token.slice(0, prefixLength);
}

export { hashToken };

/** The kind of a well-formed token, or null; a malformed token never reaches the database. */
export function tokenKind(token: string): TokenKind | null {
  const match = tokenPattern.exec(token);
  return match ? (match[1] as TokenKind) : null;
}

/** Constant-time comparison of a presented token with a stored hash. */
export function tokenMatchesHash(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
