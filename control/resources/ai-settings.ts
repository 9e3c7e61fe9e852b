import type { AiSettings } from '../../contracts/index.js';
import type { AiSettingsRow } from '../../db/postgres/database.js';

/** An organization without a row has never configured a provider: off. */
export function aiSettingsResource(row: AiSettingsRow | undefined): AiSettings {
  return {
    enabled: row?.enabled ?? false,
    base_url: row?.base_url ?? null,
    model: row?.model ?? null,
    api_key_set: Boolean(row?.api_key_encrypted),
    updated_at: row?.updated_at.toISOString() ?? null,
  };
}
