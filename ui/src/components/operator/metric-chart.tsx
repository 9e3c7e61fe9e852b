import { useEffect, useMemo, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricSeries } from '../../../../contracts/api/observability.js';

/* Charts drawn by uPlot: one metric's series (one line per label set, a bucket's average per point), or any lines over time. */

const chartHeightPx = 180;
const palette = ['#2454d6', '#b3261e', '#137333', '#a15c00', '#7b1fa2', '#00838f'];

// Bytes and counters run to billions: 52M fits the axis, 52,000,000 does not.
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

const labelOf = (series: MetricSeries) =>
  Object.entries(series.labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ') || series.name;

/** uPlot's columns: shared times in seconds, then each series' values (null where it has no bucket). */
export function alignedData(series: readonly MetricSeries[]): AlignedData {
  const times = [...new Set(series.flatMap((each) => each.points.map((point) => Date.parse(point.timestamp) / 1000)))].sort((a, b) => a - b);
  const columns = series.map((each) => {
    const byTime = new Map(each.points.map((point) => [Date.parse(point.timestamp) / 1000, point.avg]));
    return times.map((time) => byTime.get(time) ?? null);
  });
  return [times, ...columns];
}

/** A chart of lines over shared times (uPlot's aligned columns: seconds, then one column per line). */
export function TimeChart({
  title,
  labels,
  data,
  unit,
  span,
}: {
  title: string;
  labels: readonly string[];
  data: AlignedData;
  unit?: string;
  /** The time axis' bounds in seconds; without them uPlot fits the points (a lone point would span years). */
  span?: readonly [number, number];
}) {
  const holder = useRef<HTMLDivElement>(null);
  const points = data.slice(1).reduce((total, column) => total + Array.from(column as ArrayLike<number | null | undefined>).filter((value) => value != null).length, 0);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const options: Options = {
      width: Math.max(280, element.clientWidth),
      height: chartHeightPx,
      ...(span ? { scales: { x: { time: true, range: [span[0], span[1]] } } } : {}),
      series: [{}, ...labels.map((label, index) => ({ label, stroke: palette[index % palette.length], width: 1.5, spanGaps: true }))],
      axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor', size: 60, values: (_chart, ticks) => ticks.map((tick) => `${compact.format(tick)}${unit ?? ''}`) }],
    };
    const chart = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(280, element.clientWidth), height: chartHeightPx }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [labels, data, unit, span]);
  return (
    <figure className="chart" data-metric={title} data-points={points}>
      <h3>{title}</h3>
      <div ref={holder} role="img" aria-label={`${title}: ${points} points over ${labels.length} series`} />
    </figure>
  );
}

export function MetricChart({ title, series }: { title: string; series: MetricSeries[] }) {
  const labels = useMemo(() => series.map(labelOf), [series]);
  const data = useMemo(() => alignedData(series), [series]);
  return <TimeChart title={title} labels={labels} data={data} />;
}
