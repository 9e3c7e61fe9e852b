import { useMemo, useState } from 'react';
import type { MetricSeries } from '../../../../contracts/api/observability.js';
import { servers, services } from '../../api/endpoints.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { MetricChart } from '../../components/operator/metric-chart.js';
import { RequestCharts } from '../../components/operator/request-charts.js';
import { ServiceHead, TelemetryHint } from '../../components/operator/service-head.js';
import { useLoad } from '../../hooks.js';
import { timeWindows, windowOf, type TimeWindowId } from '../../logic/time-window.js';

/*
 * A service's or a server's metrics over a chosen range: a chart per metric name, a line per
 * label set, and for a service its requests as its spans record them. Loaded on demand: uPlot is
 * only needed here.
 */

function byName(series: readonly MetricSeries[]): [string, MetricSeries[]][] {
  const groups = new Map<string, MetricSeries[]>();
  for (const each of series) groups.set(each.name, [...(groups.get(each.name) ?? []), each]);
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function MetricCharts({ owner }: { owner: { serviceId: string } | { serverId: string } }) {
  const [windowId, setWindowId] = useState<TimeWindowId>('1h');
  const [asked, setAsked] = useState(() => Date.now());
  const ownerId = 'serviceId' in owner ? owner.serviceId : owner.serverId;
  const metrics = useLoad(() => {
    const window = windowOf(windowId, asked);
    return 'serviceId' in owner ? services.metrics(owner.serviceId, window) : servers.metrics(owner.serverId, window);
  }, `${ownerId}:${windowId}:${asked}`);
  const requestWindow = windowOf(windowId, asked);
  const requests = useLoad(
    () => ('serviceId' in owner ? services.requestStats(owner.serviceId, requestWindow) : Promise.resolve(null)),
    `${ownerId}:${windowId}:${asked}`,
  );
  const groups = useMemo(() => byName(metrics.data ?? []), [metrics.data]);
  return (
    <>
      <div className="inline-form">
        <div className="field">
          <label htmlFor="metric-window">Time range</label>
          <select id="metric-window" value={windowId} onChange={(event) => setWindowId(event.target.value as TimeWindowId)}>
            {timeWindows.map((window) => (
              <option key={window.id} value={window.id}>
                {window.label}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={() => setAsked(Date.now())}>
          Refresh
        </button>
      </div>
      <FailureNotice failure={requests.failure} title="Could not load the request figures" onRetry={() => void requests.reload()} />
      {requests.data ? <RequestCharts stats={requests.data} from={requestWindow.from} to={requestWindow.to} /> : null}
      <FailureNotice failure={metrics.failure} title="Could not load the metrics" onRetry={() => void metrics.reload()} />
      {metrics.loading ? <p aria-live="polite">Loading metrics…</p> : null}
      {metrics.data?.length === 0 ? <TelemetryHint what="metrics in this range" /> : null}
      <div className="panel">
        {groups.map(([name, series]) => (
          <MetricChart key={name} title={name} series={series} />
        ))}
      </div>
    </>
  );
}

export function ServiceMetricsPage({ params }: { params: Record<string, string> }) {
  return (
    <section>
      <ServiceHead serviceId={params.serviceId!} title="Metrics" />
      <MetricCharts owner={{ serviceId: params.serviceId! }} />
    </section>
  );
}

export function ServerMetricsPage({ params }: { params: Record<string, string> }) {
  const server = useLoad(() => servers.get(params.serverId!), params.serverId!);
  return (
    <section>
      <h1>
        Metrics{server.data ? <span className="muted"> · {server.data.name}</span> : null}
      </h1>
      <MetricCharts owner={{ serverId: params.serverId! }} />
    </section>
  );
}
