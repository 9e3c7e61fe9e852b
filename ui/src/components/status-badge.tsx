/** A status word with its colour; the word itself carries the meaning, the colour only helps. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {status.replace(/_/g, ' ')}
    </span>
  );
}
