import { LETS_ENCRYPT_DIRECTORY_URL, type AcmeSettings } from '../../contracts/index.js';
import type { AcmeSettingsRow } from '../../db/postgres/database.js';
import { isoTimestampOrNull } from './timestamps.js';

/** An organization that never chose orders from Let's Encrypt with no contact. */
export function acmeSettingsResource(row: AcmeSettingsRow | undefined): AcmeSettings {
  if (!row) return { directory_url: LETS_ENCRYPT_DIRECTORY_URL, email: null, updated_at: null };
  return { directory_url: row.directory_url, email: row.email, updated_at: isoTimestampOrNull(row.updated_at) };
}
