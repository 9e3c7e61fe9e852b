import type { Deployment } from '../../../../contracts/api/resources.js';
import { useAction } from '../../hooks.js';
import { historyStatus } from '../../logic/deploy-progress.js';
import { elapsedMs, formatDuration, formatTime, shortId } from '../../logic/format.js';
import { Link } from 'react-router';
import { useCan, useSession } from '../../session.js';
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
  const { identity } = useSession();
  const canRollback = useCan('rollback');
  const rollback = useAction(onRollback);
  const who = (deployment: Deployment) =>
    deployment.triggered_by === null ? 'automation' : deployment.triggered_by === identity.user.id ? 'you' : `user ${shortId(deployment.triggered_by)}`;

  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">Deployment history</h2>
      <FailureNotice failure={rollback.failure} title="Could not roll back" />
      {deployments.length === 0 ? <p>Nothing deployed yet. Press Deploy.</p> : null}
      {deployments.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="deployment-history">
            <thead>
              <tr>
                <th scope="col">Deployment</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Trigger</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deployments.map((deployment) => {
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
                      {deployment.trigger_type.replace('_', ' ')} by {who(deployment)}
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
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
