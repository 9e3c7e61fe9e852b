import type { RegistryAuth } from '../../contracts/index.js';
import type { ServiceRow } from '../../db/postgres/database.js';
import type { SecretCipher } from './cipher.js';

/*
 * An image source's registry password, sealed in `services.registry_password_encrypted` like the
 * env vars. It is write-only over the API: only the deploy payload ever carries it again.
 */

const passwordContext = (serviceId: string) => `services.registry_password_encrypted:${serviceId}`;

export function sealRegistryPassword(cipher: SecretCipher, serviceId: string, password: string): Buffer {
  return cipher.seal(password, passwordContext(serviceId));
}

/** The credentials for the agent's `deploy` payload (`registry_auth`); null for a public image. */
export function registryAuthOf(
  cipher: SecretCipher,
  service: Pick<ServiceRow, 'id' | 'registry_username' | 'registry_password_encrypted'>,
): RegistryAuth | null {
  if (!service.registry_username || !service.registry_password_encrypted) return null;
  return { username: service.registry_username, password: openRegistryPassword(cipher, service.id, service.registry_password_encrypted) };
}

export function openRegistryPassword(cipher: SecretCipher, serviceId: string, sealed: Buffer): string {
  return cipher.open(sealed, passwordContext(serviceId));
}
