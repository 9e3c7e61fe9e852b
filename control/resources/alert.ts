import { AlertCondition, AlertIncident, type AlertRule, AlertRuleType } from '../../contracts/index.js';
import type { AlertIncidentRow, AlertRow } from '../../db/postgres/database.js';
import { isoTimestamp, isoTimestampOrNull } from './timestamps.js';
import { maskChannel, StoredAlertChannels } from '../alert-channels.js';

/** An `alerts` row as the API shows it: condition checked, every channel credential masked. */
export function alertRuleResource(row: AlertRow): AlertRule {
  if (row.project_id === null) throw new Error(`alerts.project_id is null for rule ${row.id}; the API always sets it`);
  return {
    id: row.id,
    org_id: row.org_id,
    project_id: row.project_id,
    service_id: row.service_id,
    name: row.name,
    type: AlertRuleType.parse(row.type),
    condition: AlertCondition.parse(row.condition),
    channels: StoredAlertChannels.parse(row.channels).map(maskChannel),
    is_active: row.is_active ?? true,
    created_at: isoTimestamp(row.created_at, 'alerts.created_at'),
    updated_at: isoTimestamp(row.updated_at, 'alerts.updated_at'),
  };
}

export function incidentResource(row: AlertIncidentRow): AlertIncident {
  return {
    id: row.id,
    alert_id: row.alert_id,
    status: row.status ?? 'firing',
    message: row.message,
    details: AlertIncident.shape.details.parse(row.details),
    ai_summary: row.ai_summary,
    fired_at: row.fired_at.toISOString(),
    resolved_at: isoTimestampOrNull(row.resolved_at),
    acknowledged_by: row.acknowledged_by,
    acknowledged_at: isoTimestampOrNull(row.acknowledged_at),
  };
}
