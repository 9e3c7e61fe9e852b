import type { TraceSpan } from '../../../contracts/telemetry/records.js';

/* A trace's spans as the rows of a waterfall: each under its parent, siblings in start order. */

export interface WaterfallRow {
  span: TraceSpan;
  depth: number;
  /** Where the bar starts and how long it is, in percent of the whole trace. */
  offsetPercent: number;
  widthPercent: number;
}

export function waterfallRows(spans: readonly TraceSpan[]): WaterfallRow[] {
  if (spans.length === 0) return [];
  const ids = new Set(spans.map((span) => span.span_id));
  const children = new Map<string, TraceSpan[]>();
  const roots: TraceSpan[] = [];
  for (const span of spans) {
    // A parent the caller may not see (another organization's service) makes the span a root here.
    if (span.parent_span_id && ids.has(span.parent_span_id)) {
      const siblings = children.get(span.parent_span_id) ?? [];
      siblings.push(span);
      children.set(span.parent_span_id, siblings);
    } else roots.push(span);
  }
  const byStart = (a: TraceSpan, b: TraceSpan) => a.start_time_ns - b.start_time_ns;
  const start = Math.min(...spans.map((span) => span.start_time_ns));
  const end = Math.max(...spans.map((span) => span.start_time_ns + span.duration_ns));
  const total = Math.max(1, end - start);
  const rows: WaterfallRow[] = [];
  // Iterative, so a trace thousands of spans deep cannot overflow the stack.
  const pending = [...roots].sort(byStart).reverse().map((span) => ({ span, depth: 0 }));
  while (pending.length > 0) {
    const { span, depth } = pending.pop()!;
    rows.push({
      span,
      depth,
      offsetPercent: ((span.start_time_ns - start) / total) * 100,
      widthPercent: Math.max(0.2, (span.duration_ns / total) * 100),
    });
    const below = [...(children.get(span.span_id) ?? [])].sort(byStart).reverse();
    for (const child of below) pending.push({ span: child, depth: depth + 1 });
  }
  return rows;
}

export function formatSpanDuration(nanos: number): string {
  const ms = nanos / 1e6;
  return ms < 1 ? `${Math.round(nanos / 1e3)} µs` : ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
