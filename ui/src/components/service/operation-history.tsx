import type { ServiceOperationKind, ServiceOperationRecord } from '../../../../contracts/api/service-operations.js';
import type { ApiFailure } from '../../api/client.js';
import { formatTime } from '../../logic/format.js';
import { Link } from 'react-router';
import { useActorName } from '../../session.js';
import { DataTable } from '../data-table.js';
import { FailureNotice } from '../failure-notice.js';

const kindLabels: Record<ServiceOperationKind, string> = {
  deploy: 'Deploy',
  rollback: 'Rollback',
  restart: 'Restart',
  scale: 'Scale',
  stop: 'Stop',
  health_check: 'Health check change',
};

function describe(operation: ServiceOperationRecord): string {
  const label = kindLabels[operation.kind];
  return operation.replicas ? `${label} ${operation.replicas.from} → ${operation.replicas.to}` : label;
}

/**
 * Every operation on the service with the Temporal workflow that ran it (restarts, scales, stops
 * and health-check changes have no deployment page, so this is their only way into Temporal Web).
 */
export function OperationHistory({ operations, failure }: { operations: readonly ServiceOperationRecord[] | null; failure: ApiFailure | null }) {
  const actorName = useActorName();
  return (
    <section className="panel" aria-labelledby="operations-title">
      <h2 id="operations-title">Operations</h2>
      <FailureNotice failure={failure} title="Could not load the service's operations" />
      <DataTable
        testId="operation-history"
        columns={['Operation', 'When', 'By', 'Workflow']}
        items={operations}
        empty={<p>No operation yet: deploying, scaling or restarting the service lists it here.</p>}
        row={(operation) => (
          <tr key={operation.workflow.id} data-kind={operation.kind}>
            <th scope="row">
              {operation.deployment_id ? <Link to={`/deployments/${operation.deployment_id}`}>{describe(operation)}</Link> : describe(operation)}
            </th>
            <td>{formatTime(operation.at)}</td>
            <td>{actorName(operation.user_id)}</td>
            <td>
              {operation.workflow.web_url ? (
                <a href={operation.workflow.web_url} target="_blank" rel="noreferrer">
                  Open in Temporal Web<span className="visually-hidden"> ({operation.workflow.id})</span>
                </a>
              ) : (
                <span className="muted small" title="Set TEMPORAL_WEB_URL for a link">
                  {operation.workflow.id}
                </span>
              )}
            </td>
          </tr>
        )}
      />
    </section>
  );
}
