import type { AiSettingsRow } from '../../db/postgres/database.js';
import type { SecretCipher } from './cipher.js';

/*
 * The organization's model provider key, sealed in `ai_settings.api_key_encrypted` like env
 * secrets. Write-only over the API: only the request to the provider's own base URL carries it.
 */

const keyContext = (orgId: string) => `ai_settings.api_key_encrypted:${orgId}`;

export function sealAiProviderKey(cipher: SecretCipher, orgId: string, key: string): Buffer {
  return cipher.seal(key, keyContext(orgId));
}

export function openAiProviderKey(cipher: SecretCipher, settings: Pick<AiSettingsRow, 'org_id' | 'api_key_encrypted'>): string | null {
  return settings.api_key_encrypted ? cipher.open(settings.api_key_encrypted, keyContext(settings.org_id)) : null;
}
