import type { Kysely } from 'kysely';
import { z } from 'zod';
import { EnvVar } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';
import { sealedEnvVarsOfService } from '../../db/queries/env-vars.js';
import type { SecretCipher } from './cipher.js';

/*
 * A service's env vars, secret or not, are sealed together as one JSON list of the contract's
 * `EnvVar` in `services.env_vars_encrypted`: no value is ever in clear at rest, and the list
 * keeps the order the caller gave. No variables at all is NULL, as the column starts.
 */

const StoredEnvVars = z.array(EnvVar);

/** What a secret's value reads as in a listing; the same for every length, so it tells nothing. */
export const maskedValue = '********';

const envVarsContext = (serviceId: string) => `services.env_vars_encrypted:${serviceId}`;

export function sealEnvVars(cipher: SecretCipher, serviceId: string, variables: readonly EnvVar[]): Buffer | null {
  return variables.length === 0 ? null : cipher.seal(JSON.stringify(variables), envVarsContext(serviceId));
}

/** Throws SecretDecryptionError when the column was altered or sealed for another service. */
export function openEnvVars(cipher: SecretCipher, serviceId: string, sealed: Buffer | null): EnvVar[] {
  if (!sealed) return [];
  return StoredEnvVars.parse(JSON.parse(cipher.open(sealed, envVarsContext(serviceId))));
}

export function maskSecrets(variables: readonly EnvVar[]): EnvVar[] {
  return variables.map((variable) => (variable.is_secret ? { ...variable, value: maskedValue } : variable));
}

/**
 * The service's env vars as the agent's `deploy` payload takes them (`config.env_vars`, already
 * decrypted). For the platform's own callers (the deploy workflow), not for a request: it does
 * not scope the service to a caller.
 */
export async function decryptedEnv(db: Kysely<Database>, cipher: SecretCipher, serviceId: string): Promise<Record<string, string>> {
  const sealed = await sealedEnvVarsOfService(db, serviceId);
  if (sealed === undefined) throw new Error(`No service ${serviceId}`);
  return Object.fromEntries(openEnvVars(cipher, serviceId, sealed).map(({ key, value }) => [key, value]));
}
