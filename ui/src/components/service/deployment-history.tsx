import type { Deployment } from '../../../../contracts/api/resources.js';
import { useAction } from '../../hooks.js';
import { historyStatus } from '../../logic/deploy-progress.js';
import { elapsedMs, formatDuration, formatTime, shortId } from '../../logic/format.js';
import { Link } from 'react-router';
import { useActorName, useCan } from '../../session.js';
import { DataTable } from '../data-table.js';
import { FailureNotice } from '../failure-notice.js';
import { StatusBadge } from '../status-badge.js';

/** The service's deployments, newest first; an earlier one that ran (now superseded) can be returned to. */
export function DeploymentHistory({
  deployments,
  currentId,
  now,
  onRollback,
}: {
  deployments: readonly Deployment[];
  currentId: string | null;
  now: number;
  onRollback: (deploymentId: string) => Promise<unknown>;
}) {
  const actorName = useActorName();
  const canRollback = useCan('rollback');
  const rollback = useAction(onRollback);

  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">Deployment history</h2>
      <FailureNotice failure={rollback.failure} title="Could not roll back" />
      <DataTable
        testId="deployment-history"
        columns={['Deployment', 'Status', 'Started', 'Duration', 'Trigger', <span className="visually-hidden">Actions</span>]}
        items={deployments}
        empty={<p>Nothing deployed yet. Press Deploy.</p>}
        row={(deployment) => {
          const duration = elapsedMs(deployment.started_at, deployment.finished_at, now);
          const current = deployment.id === currentId;
          return (
            <tr key={deployment.id} data-deployment={deployment.id} data-status={deployment.status}>
              <th scope="row">
                <Link to={`/deployments/${deployment.id}`}>{shortId(deployment.id)}</Link>
                {current ? <span className="tag">current</span> : null}
              </th>
              <td>
                <StatusBadge status={historyStatus(deployment, currentId)} />
                {deployment.error_message ? <div className="muted small">{deployment.error_message}</div> : null}
              </td>
              <td>{formatTime(deployment.started_at ?? deployment.created_at)}</td>
              <td>{duration === null ? '—' : formatDuration(duration)}</td>
              <td>
                {deployment.trigger_type.replace('_', ' ')} by {actorName(deployment.triggered_by)}
              </td>
              <td>
                {canRollback && deployment.status === 'running' && !current ? (
                  <button type="button" disabled={rollback.busy} onClick={() => void rollback.run(deployment.id)}>
                    {rollback.busy ? 'Rolling back…' : 'Roll back to this'}
                  </button>
                ) : null}
              </td>
            </tr>
          );
        }}
      />
    </section>
  );
}
