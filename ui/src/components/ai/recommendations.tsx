import { ai } from '../../api/endpoints.js';
import { useLoad } from '../../hooks.js';
import { FailureNotice } from '../failure-notice.js';
import { StatusBadge } from '../status-badge.js';
import { EngineLabel } from './engine-label.js';

/* What to change in a service, from its own metrics, traces, issues and deployments (the built-in engine). */
export function Recommendations({ serviceId }: { serviceId: string }) {
  const list = useLoad(() => ai.recommendations(serviceId), `recommendations:${serviceId}`);
  return (
    <div className="panel" aria-labelledby="recommendations-heading">
      <div className="page-head">
        <h2 id="recommendations-heading">Recommendations</h2>
        <button type="button" disabled={list.loading} onClick={() => void list.reload()}>
          Check again
        </button>
      </div>
      <FailureNotice failure={list.failure} title="Could not read the recommendations" onRetry={() => void list.reload()} />
      {list.data?.length === 0 ? <p className="muted">Nothing to change: the last day of metrics, traces and deployments looks fine.</p> : null}
      {list.data && list.data.length > 0 ? (
        <>
          <ul className="recommendations" data-testid="recommendations">
            {list.data.map((recommendation) => (
              <li key={recommendation.kind} data-kind={recommendation.kind}>
                <p>
                  <StatusBadge status={recommendation.severity} /> <strong>{recommendation.title}</strong>
                </p>
                <p>{recommendation.detail}</p>
                <p>
                  <em>What to do:</em> {recommendation.action}
                </p>
              </li>
            ))}
          </ul>
          <p>
            <EngineLabel engine={list.data[0]!.engine} />
          </p>
        </>
      ) : null}
    </div>
  );
}
