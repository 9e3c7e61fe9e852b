import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { insertLoginLink } from '../db/queries/sessions.js';
import type { Database } from '../db/postgres/database.js';
import { hashToken } from '../contracts/tokens.js';

/*
 * One-time sign-in links: the first start prints one for the owner, and adding a member answers
 * one for them (Syntra sends no email). `GET /api/v1/auth/link/<secret>` uses it up.
 */

export const loginLinkValidityHours = 24;
const loginLinkSecretBytes = 32;

export function loginLinkUrl(publicUrl: string, secret: string): string {
  return `${publicUrl}/api/v1/auth/link/${secret}`;
}

/** A one-time sign-in link for a member; returns the secret, which only the link itself carries. */
export async function createLoginLink(db: Kysely<Database>, userId: string, orgId: string): Promise<string> {
  const secret = randomBytes(loginLinkSecretBytes).toString('base64url');
  await insertLoginLink(db, {
    token_hash: hashToken(secret),
    user_id: userId,
    org_id: orgId,
    expires_at: new Date(Date.now() + loginLinkValidityHours * 3600 * 1000),
  });
  return secret;
}
