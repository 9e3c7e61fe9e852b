import { apiClient, type ApiClient } from '../client/api-client.js';
import { activeConnection } from '../client/profiles.js';

/** The options every user command takes, from the program's root. */
export interface GlobalOptions {
  profile?: string;
}

/** The API of the active profile (or SYNTRA_URL / SYNTRA_TOKEN). */
export async function connect(options: GlobalOptions): Promise<ApiClient & { profile: string | null }> {
  const connection = await activeConnection(options.profile);
  return { ...apiClient(connection), profile: connection.profile };
}
