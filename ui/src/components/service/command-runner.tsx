import { useState, type FormEvent } from 'react';
import { EXEC_TIMEOUT_DEFAULT_SECONDS, EXEC_TIMEOUT_MAX_SECONDS, type ExecResult } from '../../../../contracts/api/exec.js';
import type { ServiceWithDeployments } from '../../../../contracts/api/resources.js';
import { services } from '../../api/endpoints.js';
import { useAction } from '../../hooks.js';
import { splitCommandLine } from '../../logic/command-line.js';
import { useCan } from '../../session.js';
import { Field } from '../field.js';
import { FailureNotice } from '../failure-notice.js';

/*
 * Runs one command in a running container of the service (`POST /services/:id/exec`) and shows
 * how it ended. The request waits for the command, so the button says so until it is done.
 */
export function CommandRunner({ service }: { service: ServiceWithDeployments }) {
  const canExec = useCan('exec');
  const [line, setLine] = useState('');
  const [timeoutText, setTimeoutText] = useState(String(EXEC_TIMEOUT_DEFAULT_SECONDS));
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [result, setResult] = useState<{ typed: string; ran: ExecResult } | null>(null);
  const run = useAction(async (typed: string, argv: string[]) => {
    setResult(null);
    setResult({ typed, ran: await services.exec(service.id, { command: argv, timeout_seconds: Number(timeoutText) }) });
  });
  const timeoutValid = /^\d+$/.test(timeoutText) && Number(timeoutText) >= 1 && Number(timeoutText) <= EXEC_TIMEOUT_MAX_SECONDS;

  if (!canExec) return null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const split = splitCommandLine(line);
    setProblem(split.ok ? undefined : split.problem);
    if (split.ok) void run.run(line.trim(), split.argv);
  };

  return (
    <section className="panel" aria-labelledby="command-runner-title">
      <h2 id="command-runner-title">Run a command</h2>
      {service.current_deployment_id ? (
        <form onSubmit={submit} className="inline-form" aria-label="Run a command in a container">
          <Field
            label="Command"
            name="command"
            value={line}
            onChange={(event) => setLine(event.target.value)}
            placeholder="ls -la /app"
            autoComplete="off"
            spellCheck={false}
            error={problem}
            hint="Runs without a shell in one running container; for pipes or variables type sh -c '…'."
          />
          <Field
            label="Command timeout (s)"
            name="exec_timeout"
            type="number"
            min={1}
            max={EXEC_TIMEOUT_MAX_SECONDS}
            value={timeoutText}
            onChange={(event) => setTimeoutText(event.target.value)}
            error={timeoutValid ? undefined : `A whole number of seconds from 1 to ${EXEC_TIMEOUT_MAX_SECONDS}`}
          />
          <button type="submit" className="primary" disabled={run.busy || !timeoutValid}>
            {run.busy ? 'Running…' : 'Run'}
          </button>
        </form>
      ) : (
        <p className="muted">Deploy the service first: a command runs in one of its running containers.</p>
      )}
      <FailureNotice failure={run.failure} title="Could not run the command" />
      {result ? (
        <div aria-label="Command output" role="region">
          <p role="status">
            <code>{result.typed}</code> exited with code <strong data-testid="exit-code">{result.ran.exit_code}</strong>
            {result.ran.truncated ? ' (the output was long: only its end is shown)' : ''}
          </p>
          <h3 id="command-stdout">Standard output</h3>
          <pre className="log-box" aria-labelledby="command-stdout" tabIndex={0}>
            {result.ran.stdout || <span className="muted">(nothing)</span>}
          </pre>
          <h3 id="command-stderr">Standard error</h3>
          <pre className="log-box" aria-labelledby="command-stderr" tabIndex={0}>
            {result.ran.stderr || <span className="muted">(nothing)</span>}
          </pre>
        </div>
      ) : null}
    </section>
  );
}
