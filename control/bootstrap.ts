import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import { insertApiToken } from '../db/queries/api-tokens.js';
import { createOwnerAndOrganization, hasAnyUser } from '../db/queries/organizations.js';
import type { Database } from '../db/postgres/database.js';
import { slugify } from './slug.js';
import { createLoginLink, loginLinkUrl, loginLinkValidityHours } from './login-links.js';
import { hashToken, tokenPrefix } from '../contracts/tokens.js';

/**
 * The very first start of a platform (no users yet) creates the owner, their organization and a
 * one-time login link, and makes SYNTRA_BOOTSTRAP_TOKEN the owner's API token. It all happens in
 * one transaction, so a crash half-way leaves nothing and the next start tries again. Every later
 * start changes nothing. Returns the login link's URL when this call did the bootstrap.
 */
export async function bootstrapOwner(db: Kysely<Database>, config: Config, log: Logger): Promise<{ loginUrl: string } | null> {
  if (await hasAnyUser(db)) return null;
  const bootstrapToken = config.SYNTRA_BOOTSTRAP_TOKEN;
  const created = await db.transaction().execute(async (trx) => {
    const owner = await createOwnerAndOrganization(
      trx,
      { email: config.SYNTRA_OWNER_EMAIL },
      { name: config.SYNTRA_ORG_NAME, slug: slugify(config.SYNTRA_ORG_NAME, 'default') },
    );
    if (!owner) return undefined;
    if (bootstrapToken) {
      await insertApiToken(trx, {
        user_id: owner.user.id,
        org_id: owner.organization.id,
        name: 'SYNTRA_BOOTSTRAP_TOKEN',
        token_hash: hashToken(bootstrapToken),
        token_prefix: tokenPrefix(bootstrapToken),
      });
    }
    return { ...owner, linkSecret: await createLoginLink(trx, owner.user.id, owner.organization.id) };
  });
  if (!created) return null;
  const loginUrl = loginLinkUrl(config.publicUrl, created.linkSecret);
  // The one time a secret is logged: the link exists nowhere else. Logged as a warning so that it
  // shows even with LOG_LEVEL=warn; it is used up by the first sign-in.
  log.warn(
    { ownerEmail: created.user.email, organization: created.organization.name, bootstrapToken: bootstrapToken !== undefined },
    `First start: created the owner and the organization. Sign in within ${loginLinkValidityHours} hours, once, at ${loginUrl}`,
  );
  return { loginUrl };
}
