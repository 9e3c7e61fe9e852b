import type { Member } from '../../contracts/index.js';
import type { MemberRow } from '../../db/queries/members.js';
import { isoTimestampOrNull } from './timestamps.js';

export function memberResource(row: MemberRow): Member {
  return {
    user_id: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    invited_by: row.invited_by,
    invited_at: isoTimestampOrNull(row.invited_at),
    accepted_at: isoTimestampOrNull(row.accepted_at),
  };
}
