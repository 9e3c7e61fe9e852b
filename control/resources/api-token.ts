import type { ApiToken } from '../../contracts/index.js';
import type { ApiTokenRow } from '../../db/postgres/database.js';
import { isoTimestamp, isoTimestampOrNull } from './timestamps.js';

export function apiTokenResource(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    token_prefix: row.token_prefix,
    project_id: row.project_id,
    last_used_at: isoTimestampOrNull(row.last_used_at),
    expires_at: isoTimestampOrNull(row.expires_at),
    created_at: isoTimestamp(row.created_at, 'api_tokens.created_at'),
  };
}
