export function ProgressBar({ percent, label }: { percent: number; label: string }) {
  const rounded = Math.round(percent);
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={rounded}>
      <div className="progress-fill" style={{ width: `${rounded}%` }} />
      <span className="progress-text">{rounded}%</span>
    </div>
  );
}
