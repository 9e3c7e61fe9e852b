import { useState, type FormEvent } from 'react';
import { services } from '../../api/endpoints.js';
import { DataTable } from '../../components/data-table.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { ServiceHead, TelemetryHint } from '../../components/operator/service-head.js';
import { StatusBadge } from '../../components/status-badge.js';
import { useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';
import { Link } from 'react-router';

/* A service's recent traces (the API's default window: the last day), filtered to errors or slow ones. */
const tracesShown = 100;

export function TracesPage({ params }: { params: Record<string, string> }) {
  const serviceId = params.serviceId!;
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [slowerThan, setSlowerThan] = useState('');
  const [filter, setFilter] = useState<{ errorsOnly: boolean; minMs: number | undefined }>({ errorsOnly: false, minMs: undefined });
  const list = useLoad(
    () => services.traces(serviceId, { limit: tracesShown, status: filter.errorsOnly ? 'error' : undefined, min_duration_ms: filter.minMs }),
    `${serviceId}:${filter.errorsOnly}:${filter.minMs}`,
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const minMs = Number(slowerThan);
    setFilter({ errorsOnly, minMs: slowerThan.trim() && Number.isFinite(minMs) && minMs >= 0 ? minMs : undefined });
  };

  return (
    <section>
      <ServiceHead serviceId={serviceId} title="Traces" />
      <form className="inline-form" onSubmit={submit}>
        <label className="checkbox">
          <input type="checkbox" checked={errorsOnly} onChange={(event) => setErrorsOnly(event.target.checked)} /> Errors only
        </label>
        <div className="field">
          <label htmlFor="slower-than">Slower than (ms)</label>
          <input id="slower-than" type="number" min="0" inputMode="decimal" value={slowerThan} onChange={(event) => setSlowerThan(event.target.value)} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <FailureNotice failure={list.failure} title="Could not load the traces" onRetry={() => void list.reload()} />
      {list.loading ? <p aria-live="polite">Loading traces…</p> : null}
      <DataTable
        testId="trace-list"
        columns={['Operation', 'Started', 'Duration', 'Spans', 'Status']}
        items={list.data}
        empty={(filter.errorsOnly || filter.minMs !== undefined ? <p>No traces in the last day match.</p> : <TelemetryHint what="traces" />)}
        row={(trace) => (
          <tr key={trace.trace_id}>
            <th scope="row">
              <Link to={`/traces/${trace.trace_id}`}>{trace.root_operation}</Link>
            </th>
            <td>{formatTime(trace.start_time)}</td>
            <td>{trace.duration_ms.toFixed(1)} ms</td>
            <td>{trace.span_count}</td>
            <td>
              <StatusBadge status={trace.error_count > 0 ? 'error' : trace.status} />
              {trace.error_count > 0 ? <span className="muted small"> {trace.error_count} failed</span> : null}
            </td>
          </tr>
        )}
      />
    </section>
  );
}
