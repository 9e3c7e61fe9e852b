import { useMemo } from 'react';
import type { AlignedData } from 'uplot';
import type { ServiceRequestStats } from '../../../../contracts/api/observability.js';
import { formatLatency, formatPercent } from '../../logic/format.js';
import { TimeChart } from './metric-chart.js';

/* A service's requests as its root spans record them: the window's figures, then rate, errors and latency over time. */

export function RequestCharts({ stats, from, to }: { stats: ServiceRequestStats; from: string; to: string }) {
  const span = useMemo(() => [Date.parse(from) / 1000, Date.parse(to) / 1000] as const, [from, to]);
  const charts = useMemo(() => {
    const times = stats.points.map((point) => Date.parse(point.timestamp) / 1000);
    const perMinute = 60 / stats.interval_seconds;
    const column = (value: (point: ServiceRequestStats['points'][number]) => number) => stats.points.map(value);
    return {
      rate: [times, column((point) => point.requests * perMinute)] as AlignedData,
      errors: [times, column((point) => (point.errors / point.requests) * 100)] as AlignedData,
      latency: [times, column((point) => point.p50_ms), column((point) => point.p95_ms), column((point) => point.p99_ms)] as AlignedData,
    };
  }, [stats]);
  return (
    <div className="panel" data-testid="request-stats">
      <h2>Requests</h2>
      <dl className="figures">
        <div>
          <dt>Requests</dt>
          <dd data-figure="requests">{stats.requests}</dd>
        </div>
        <div>
          <dt>Error rate</dt>
          <dd data-figure="error-rate">{stats.error_rate === null ? '—' : formatPercent(stats.error_rate)}</dd>
        </div>
        <div>
          <dt>p50</dt>
          <dd>{stats.p50_ms === null ? '—' : formatLatency(stats.p50_ms)}</dd>
        </div>
        <div>
          <dt>p95</dt>
          <dd data-figure="p95">{stats.p95_ms === null ? '—' : formatLatency(stats.p95_ms)}</dd>
        </div>
        <div>
          <dt>p99</dt>
          <dd>{stats.p99_ms === null ? '—' : formatLatency(stats.p99_ms)}</dd>
        </div>
      </dl>
      {stats.requests > 0 ? (
        <>
          <TimeChart title="Requests per minute" labels={rateLabels} data={charts.rate} span={span} />
          <TimeChart title="Error rate" labels={errorLabels} data={charts.errors} span={span} unit="%" />
          <TimeChart title="Latency" labels={latencyLabels} data={charts.latency} span={span} unit=" ms" />
        </>
      ) : (
        <p className="muted">No requests in this range: spans without a parent (a request the service served) are counted.</p>
      )}
    </div>
  );
}

const rateLabels = ['requests/min'];
const errorLabels = ['errors %'];
const latencyLabels = ['p50', 'p95', 'p99'];
