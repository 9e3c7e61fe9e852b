import { sealedSecretsOfOrganization } from '../../db/queries/ai-context.js';
import type { Platform } from '../platform.js';
import { openEnvVars } from '../secrets/service-env.js';
import { openRegistryPassword } from '../secrets/registry-credentials.js';
import { Redactor } from './redact.js';

/**
 * A redactor that knows every env value and registry password of the organization's services,
 * secret or not: a plain env var may still hold a DSN, and no model needs any of them.
 */
export async function organizationRedactor(deps: Pick<Platform, 'db' | 'secrets'>, orgId: string): Promise<Redactor> {
  const services = await sealedSecretsOfOrganization(deps.db, orgId);
  const values: string[] = [];
  for (const service of services) {
    for (const variable of openEnvVars(deps.secrets, service.id, service.env_vars_encrypted)) values.push(variable.value);
    if (service.registry_password_encrypted) values.push(openRegistryPassword(deps.secrets, service.id, service.registry_password_encrypted));
  }
  return new Redactor(values);
}
