import type { SpanColumns, TraceSpan } from './records.js';

/** The spans as one block of columns. */
export function spanColumnsOf(spans: readonly TraceSpan[]): SpanColumns {
  const columns = emptySpanColumns();
  for (const span of spans) {
    columns.trace_id.push(span.trace_id);
    columns.span_id.push(span.span_id);
    columns.parent_span_id.push(span.parent_span_id ?? '');
    columns.service_id.push(span.service_id);
    columns.deployment_id.push(span.deployment_id);
    columns.operation_name.push(span.operation_name);
    columns.span_kind.push(span.span_kind);
    columns.start_time_ns.push(span.start_time_ns);
    columns.duration_ns.push(span.duration_ns);
    columns.status_code.push(span.status.code);
    columns.status_message.push(span.status.message ?? '');
    columns.attributes.push(span.attributes);
    columns.events.push(span.events);
  }
  return columns;
}

/** The block's spans as records, for a peer that speaks a protocol older than 1.2. */
export function spansOf(columns: SpanColumns): TraceSpan[] {
  return columns.trace_id.map((traceId, index) => {
    const parent = columns.parent_span_id[index]!;
    const message = columns.status_message[index]!;
    return {
      trace_id: traceId,
      span_id: columns.span_id[index]!,
      ...(parent === '' ? {} : { parent_span_id: parent }),
      service_id: columns.service_id[index]!,
      deployment_id: columns.deployment_id[index]!,
      operation_name: columns.operation_name[index]!,
      span_kind: columns.span_kind[index]!,
      start_time_ns: columns.start_time_ns[index]!,
      duration_ns: columns.duration_ns[index]!,
      status: { code: columns.status_code[index]!, ...(message === '' ? {} : { message }) },
      attributes: columns.attributes[index]!,
      events: columns.events[index]!,
    };
  });
}

/** The spans at the given positions, as a block of their own. */
export function selectSpans(columns: SpanColumns, keep: (index: number) => boolean): SpanColumns {
  const selected = emptySpanColumns();
  const names = Object.keys(selected) as (keyof SpanColumns)[];
  for (let index = 0; index < columns.trace_id.length; index += 1) {
    if (!keep(index)) continue;
    for (const name of names) (selected[name] as unknown[]).push(columns[name][index]);
  }
  return selected;
}

function emptySpanColumns(): SpanColumns {
  return {
    trace_id: [],
    span_id: [],
    parent_span_id: [],
    service_id: [],
    deployment_id: [],
    operation_name: [],
    span_kind: [],
    start_time_ns: [],
    duration_ns: [],
    status_code: [],
    status_message: [],
    attributes: [],
    events: [],
  };
}
