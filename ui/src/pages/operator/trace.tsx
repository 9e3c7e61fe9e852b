import { useMemo, useState } from 'react';
import type { TraceSpan } from '../../../../contracts/telemetry/records.js';
import { traces } from '../../api/endpoints.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { StatusBadge } from '../../components/status-badge.js';
import { ScrollBox, useScrollBox, useVirtualRows } from '../../components/virtual-rows.js';
import { useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';
import { formatSpanDuration, waterfallRows } from '../../logic/waterfall.js';
import { Link } from 'react-router';

/*
 * A trace as a waterfall: each span under its parent, its bar where and as long as it ran; a span
 * opens to its details. Only the spans near the view are drawn, so a trace of thousands opens at once.
 */

/** A closed span's row, in pixels, until it is measured. */
const spanRowPx = 30;

export function TracePage({ params }: { params: Record<string, string> }) {
  const traceId = params.traceId!;
  const trace = useLoad(() => traces.get(traceId), traceId);
  const rows = useMemo(() => waterfallRows(trace.data?.spans ?? []), [trace.data]);
  const [open, setOpen] = useState<string | null>(null);
  const box = useScrollBox();
  const windowed = useVirtualRows(rows.length, spanRowPx, box, (index) => rows[index]!.span.span_id);
  const data = trace.data;
  return (
    <section>
      <FailureNotice failure={trace.failure} title="Could not load the trace" onRetry={() => void trace.reload()} />
      {trace.loading ? <p aria-live="polite">Loading the trace…</p> : null}
      {data ? (
        <>
          <div className="page-head">
            <h1>{data.root_operation}</h1>
            <div className="button-row">
              <StatusBadge status={data.error_count > 0 ? 'error' : data.status} />
              <Link to={`/services/${data.service_id}/traces`}>The service's traces</Link>
            </div>
          </div>
          <dl className="facts">
            <div>
              <dt>Trace</dt>
              <dd>
                <code>{data.trace_id}</code>
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{formatTime(data.start_time)}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{data.duration_ms.toFixed(1)} ms</dd>
            </div>
            <div>
              <dt>Spans</dt>
              <dd>
                {data.span_count}
                {data.error_count > 0 ? `, ${data.error_count} failed` : ''}
              </dd>
            </div>
          </dl>
          <div className="panel">
            <h2>Spans</h2>
            <ScrollBox label="Spans" boxRef={box}>
              <ul className="waterfall" data-testid="waterfall" aria-label="Spans by parent" style={{ paddingTop: windowed.before, paddingBottom: windowed.after }}>
                {windowed.items.map(({ index }) => {
                  const { span, depth, offsetPercent, widthPercent } = rows[index]!;
                  const failed = span.status.code === 'error';
                  const expanded = open === span.span_id;
                  return (
                    <li
                      key={span.span_id}
                      ref={windowed.measure}
                      data-index={index}
                      className={failed ? 'span-error' : undefined}
                      data-depth={depth}
                      data-span={span.operation_name}
                    >
                      <button type="button" className="span-row" aria-expanded={expanded} onClick={() => setOpen(expanded ? null : span.span_id)}>
                        <span className="span-name" style={{ paddingLeft: `${depth * 1.1}rem` }}>
                          {failed ? <span aria-label="failed">✕ </span> : null}
                          {span.operation_name} <span className="muted small">{formatSpanDuration(span.duration_ns)}</span>
                        </span>
                        <span className="span-track" aria-hidden="true">
                          <span className="span-bar" style={{ left: `${offsetPercent}%`, width: `${widthPercent}%` }} />
                        </span>
                      </button>
                      {expanded ? <SpanDetail span={span} /> : null}
                    </li>
                  );
                })}
              </ul>
            </ScrollBox>
          </div>
        </>
      ) : null}
    </section>
  );
}

function SpanDetail({ span }: { span: TraceSpan }) {
  return (
    <div className="span-detail">
      <dl className="kv">
        <dt>span</dt>
        <dd>{span.span_id}</dd>
        <dt>kind</dt>
        <dd>{span.span_kind}</dd>
        <dt>status</dt>
        <dd>
          {span.status.code}
          {span.status.message ? `: ${span.status.message}` : ''}
        </dd>
        {Object.entries(span.attributes).map(([name, value]) => (
          <div key={name} style={{ display: 'contents' }}>
            <dt>{name}</dt>
            <dd>{String(value)}</dd>
          </div>
        ))}
      </dl>
      {span.events.length > 0 ? (
        <>
          <strong>Events</strong>
          <ul>
            {span.events.map((event, index) => (
              <li key={index}>
                {event.name} <span className="muted small">{JSON.stringify(event.attributes)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <Link to={`/services/${span.service_id}/logs?trace_id=${span.trace_id}`}>Logs of this trace</Link>
    </div>
  );
}
