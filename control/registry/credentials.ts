import { z } from 'zod';
import type { RegistryAuth } from '../../contracts/index.js';
import type { SecretCipher } from '../secrets/cipher.js';

/*
 * The credential a deploy or a build carries for the platform's registry (the contract's
 * `registry_auth`, "short-lived token"). Docker hands it to the token server as Basic auth; the
 * token server trades it for a registry JWT scoped to what it names. It is a value sealed under
 * the master key (AES-256-GCM authenticates it), so only the control plane mints and reads it,
 * it names one repository and its actions, and it expires in minutes. Nothing is stored.
 */

export const registryUsername = 'syntra';
const sealContext = 'registry-credential';

export type RegistryAction = 'pull' | 'push';

const Grant = z.object({ repository: z.string().min(1), actions: z.array(z.enum(['pull', 'push'])), expires_at: z.number().int() });
export type RegistryGrant = z.infer<typeof Grant>;

/** How long a deploy's pull credential lives: long enough for the pull to start, not for reuse. */
export const pullCredentialSeconds = 10 * 60;

export function mintRegistryCredential(cipher: SecretCipher, grant: { repository: string; actions: RegistryAction[]; ttlSeconds: number }, now = Date.now()): RegistryAuth {
  const sealed: RegistryGrant = { repository: grant.repository, actions: grant.actions, expires_at: Math.floor(now / 1000) + grant.ttlSeconds };
  return { username: registryUsername, password: cipher.seal(JSON.stringify(sealed), sealContext).toString('base64url') };
}

/** The grant of a credential, or null when it is not one of ours, was altered, or has expired. */
export function openRegistryCredential(cipher: SecretCipher, password: string, now = Date.now()): RegistryGrant | null {
  try {
    const grant = Grant.parse(JSON.parse(cipher.open(Buffer.from(password, 'base64url'), sealContext)));
    return grant.expires_at > Math.floor(now / 1000) ? grant : null;
  } catch {
    return null;
  }
}
