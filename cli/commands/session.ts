import { apiClient, type ApiClient } from '../client/api-client.js';
import { activeConnection } from '../client/profiles.js';

/** The options every user command takes, from the program's root. */
export interface GlobalOptions {
  profile?: string;
}

/** The API a command talks to, with the token its live connection signs in with. */
export type Session = ApiClient & { token: string; profile: string | null };

/** The API of the active profile (or SYNTRA_URL / SYNTRA_TOKEN). */
export async function connect(options: GlobalOptions): Promise<Session> {
  const connection = await activeConnection(options.profile);
  return { ...apiClient(connection), token: connection.token, profile: connection.profile };
}
