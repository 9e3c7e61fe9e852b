import type { ServiceOperationKind, ServiceOperationRecord } from '../../contracts/index.js';
import type { ServiceOperationAction, ServiceOperationAudit } from '../../db/queries/audit-logs.js';
import { temporalWorkflowRef, type TemporalAddress } from './deployment.js';
import { isoTimestamp } from './timestamps.js';

const kindOf: Record<ServiceOperationAction, ServiceOperationKind> = {
  'deployment.create': 'deploy',
  'deployment.rollback': 'rollback',
  'service.restart': 'restart',
  'service.scale': 'scale',
  'service.stop': 'stop',
  // Only an update that sent a changed health check started a workflow (the query keeps those).
  'service.update': 'health_check',
};

function replicasOf(details: ServiceOperationAudit['details']): ServiceOperationRecord['replicas'] {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return null;
  const { from, to } = details as Record<string, unknown>;
  return typeof from === 'number' && typeof to === 'number' ? { from, to } : null;
}

export function serviceOperationResource(row: ServiceOperationAudit, temporal: TemporalAddress): ServiceOperationRecord {
  const kind = kindOf[row.action];
  return {
    kind,
    at: isoTimestamp(row.created_at, 'audit_logs.created_at'),
    user_id: row.user_id,
    deployment_id: row.deployment_id,
    replicas: kind === 'scale' ? replicasOf(row.details) : null,
    workflow: temporalWorkflowRef(temporal, row.workflow_id),
  };
}
