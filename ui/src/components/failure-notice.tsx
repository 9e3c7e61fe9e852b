import type { ApiFailure } from '../api/client.js';
import { adviceFor } from '../logic/advice.js';

/** What went wrong (the API's message) and what to do about it, announced to screen readers. */
export function FailureNotice({ failure, title = 'That did not work', onRetry }: { failure: ApiFailure | null; title?: string; onRetry?: () => void }) {
  if (!failure) return null;
  return (
    <div className="notice notice-error" role="alert">
      <strong>{title}</strong>
      <p>{failure.message}</p>
      <p className="muted">
        {adviceFor(failure.code)}
        {failure.requestId ? ` (request ${failure.requestId})` : ''}
      </p>
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
