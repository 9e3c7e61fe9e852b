import type { Service } from '../../../../contracts/api/resources.js';
import { issues, services } from '../../api/endpoints.js';
import { useLoad } from '../../hooks.js';
import { formatLatency, formatPercent } from '../../logic/format.js';
import { windowOf } from '../../logic/time-window.js';
import { Link } from 'react-router';
import { FailureNotice } from '../failure-notice.js';

/* Beside the deployment: the service's open issues, and its error rate and p95 over the last hour, from its spans. */
export function ServiceHealth({ service }: { service: Pick<Service, 'id' | 'project_id'> }) {
  const open = useLoad(() => issues.openCount(service.project_id, service.id), `open:${service.id}`);
  const stats = useLoad(() => services.requestStats(service.id, windowOf('1h', Date.now())), `stats:${service.id}`);
  const figures = stats.data;
  return (
    <div className="panel" data-testid="service-health">
      <h2>Last hour</h2>
      <FailureNotice failure={open.failure ?? stats.failure} title="Could not read the service's issues or requests" />
      <dl className="figures">
        <div>
          <dt>Open issues</dt>
          <dd data-figure="open-issues">
            {open.data === null ? '…' : <Link to={`/projects/${service.project_id}/issues`}>{open.data}</Link>}
          </dd>
        </div>
        <div>
          <dt>Error rate</dt>
          <dd data-figure="error-rate">{figures ? (figures.error_rate === null ? '—' : formatPercent(figures.error_rate)) : '…'}</dd>
        </div>
        <div>
          <dt>p95 latency</dt>
          <dd data-figure="p95">{figures ? (figures.p95_ms === null ? '—' : formatLatency(figures.p95_ms)) : '…'}</dd>
        </div>
      </dl>
      {figures && figures.requests === 0 ? <p className="muted small">No requests traced in the last hour.</p> : null}
    </div>
  );
}
