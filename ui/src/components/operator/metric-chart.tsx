import { useEffect, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricSeries } from '../../../../contracts/api/observability.js';

/* One metric's series (one line per label set) drawn by uPlot, a bucket's average per point. */

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

export function MetricChart({ title, series }: { title: string; series: MetricSeries[] }) {
  const holder = useRef<HTMLDivElement>(null);
  const points = series.reduce((total, each) => total + each.points.length, 0);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const options: Options = {
      width: Math.max(280, element.clientWidth),
      height: chartHeightPx,
      series: [{}, ...series.map((each, index) => ({ label: labelOf(each), stroke: palette[index % palette.length], width: 1.5, spanGaps: true }))],
      axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor', size: 60, values: (_chart, ticks) => ticks.map((tick) => compact.format(tick)) }],
    };
    const chart = new uPlot(options, alignedData(series), element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(280, element.clientWidth), height: chartHeightPx }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [series]);
  return (
    <figure className="chart" data-metric={title} data-points={points}>
      <h3>{title}</h3>
      <div ref={holder} role="img" aria-label={`${title}: ${points} points over ${series.length} series`} />
    </figure>
  );
}
