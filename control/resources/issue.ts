import { ErrorGroup, IssueEvent } from '../../contracts/index.js';
import type { ErrorEventRow, ErrorGroupRow } from '../../db/postgres/database.js';
import { isoTimestamp, isoTimestampOrNull } from './timestamps.js';

/*
 * Ingest writes these rows; their JSON columns are parsed with the contract's schemas on the way
 * out, so a malformed row fails loudly here instead of reaching a client in the wrong shape.
 */

export function issueResource(row: ErrorGroupRow): ErrorGroup {
  return {
    id: row.id,
    service_id: row.service_id,
    fingerprint: row.fingerprint,
    title: row.title,
    exception_type: row.exception_type,
    // NULL only if a writer set it so explicitly; the columns default to these.
    status: row.status ?? 'unresolved',
    severity: row.severity ?? 'medium',
    first_seen_at: row.first_seen_at.toISOString(),
    last_seen_at: row.last_seen_at.toISOString(),
    event_count: Number(row.event_count ?? 1),
    user_count: row.user_count ?? 0,
    assigned_to: row.assigned_to,
    ai_analysis: ErrorGroup.shape.ai_analysis.parse(row.ai_analysis),
    ai_analyzed_at: isoTimestampOrNull(row.ai_analyzed_at),
    resolved_at: isoTimestampOrNull(row.resolved_at),
    created_at: isoTimestamp(row.created_at, 'error_groups.created_at'),
  };
}

export function issueEventResource(row: ErrorEventRow): IssueEvent {
  return {
    id: row.id,
    error_group_id: row.error_group_id,
    deployment_id: row.deployment_id,
    stack_trace: IssueEvent.shape.stack_trace.parse(row.stack_trace),
    breadcrumbs: IssueEvent.shape.breadcrumbs.parse(row.breadcrumbs),
    context: IssueEvent.shape.context.parse(row.context),
    environment: row.environment,
    release: row.release,
    user_id_hash: row.user_id_hash,
    timestamp: row.timestamp.toISOString(),
    created_at: isoTimestamp(row.created_at, 'error_events.created_at'),
  };
}
