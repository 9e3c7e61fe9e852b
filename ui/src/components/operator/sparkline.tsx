/*
 * An issue's events per hour as a row of bars, tallest = busiest hour. Plain elements rather than
 * a chart: a hundred rows of them stay cheap, and the label gives the figures in words.
 */
export function Sparkline({ counts, hours }: { counts: readonly number[]; hours: number }) {
  const peak = Math.max(1, ...counts);
  const total = counts.reduce((sum, count) => sum + count, 0);
  return (
    <span className="sparkline" role="img" aria-label={`${total} events in the last ${hours} hours, at most ${Math.max(0, ...counts)} in an hour`} data-total={total}>
      {counts.map((count, index) => (
        <span key={index} style={{ height: `${Math.max(count > 0 ? 12 : 4, (count / peak) * 100)}%` }} className={count > 0 ? 'busy' : undefined} />
      ))}
    </span>
  );
}
