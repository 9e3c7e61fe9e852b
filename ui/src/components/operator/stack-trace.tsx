import type { StackFrame } from '../../../../contracts/telemetry/records.js';

/** The frames, innermost last as the SDKs send them, shown innermost first; the service's own frames open with their code. */
export function StackTrace({ frames }: { frames: StackFrame[] }) {
  if (frames.length === 0) return <p className="muted">The event carried no stack trace.</p>;
  return (
    <ol className="frames" aria-label="Stack trace">
      {[...frames].reverse().map((frame, index) => (
        <li key={`${frame.filename}:${frame.lineno}:${index}`} className={frame.in_app ? 'in-app' : 'library'}>
          <details open={frame.in_app}>
            <summary>
              <code>{frame.function || '<anonymous>'}</code> in <code>{frame.filename}</code>:{frame.lineno}
              {frame.colno === undefined ? '' : `:${frame.colno}`}
              {frame.in_app ? null : <span className="tag">library</span>}
            </summary>
            {frame.context_line === undefined ? (
              <p className="muted small span-detail">No source lines were sent for this frame.</p>
            ) : (
              // Focusable: a source line wider than the page scrolls sideways, which a keyboard must be able to do too.
              <pre tabIndex={0}>
                {(frame.pre_context ?? []).map((line, at) => (
                  <span key={`pre${at}`}>{`${frame.lineno - (frame.pre_context?.length ?? 0) + at}  ${line}\n`}</span>
                ))}
                <span className="current">{`${frame.lineno}  ${frame.context_line}\n`}</span>
                {(frame.post_context ?? []).map((line, at) => (
                  <span key={`post${at}`}>{`${frame.lineno + 1 + at}  ${line}\n`}</span>
                ))}
              </pre>
            )}
          </details>
        </li>
      ))}
    </ol>
  );
}
