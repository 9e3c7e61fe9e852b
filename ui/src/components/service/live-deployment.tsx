import { useEffect, useMemo, useRef } from 'react';
import type { Deployment, DeploymentEvent } from '../../../../contracts/api/resources.js';
import type { ApiFailure } from '../../api/client.js';
import { adviceFor } from '../../logic/advice.js';
import { deployProgress, mergeEvents, phaseLabels } from '../../logic/deploy-progress.js';
import { Link } from 'react-router';
import { FailureNotice } from '../failure-notice.js';
import { ProgressBar } from '../progress-bar.js';
import { StatusBadge } from '../status-badge.js';

/**
 * A deployment as it happens: its phases, a progress bar and its log lines, from the events read
 * over REST plus those arriving over socket.io.
 */
export function LiveDeployment({
  deployment,
  readEvents,
  arriving,
  failure,
}: {
  deployment: Deployment;
  readEvents: readonly DeploymentEvent[];
  arriving: readonly DeploymentEvent[];
  failure: ApiFailure | null;
}) {
  const progress = useMemo(() => deployProgress(deployment.status, mergeEvents(readEvents, arriving)), [deployment.status, readEvents, arriving]);
  const logEnd = useRef<HTMLDivElement>(null);
  // Braces matter: Chromium's scrollIntoView returns a promise, which React would take for a cleanup.
  useEffect(() => {
    logEnd.current?.scrollIntoView({ block: 'nearest' });
  }, [progress.logs.length]);

  return (
    <section className="panel" aria-labelledby="live-deployment-title" data-testid="active-deployment" data-deployment={deployment.id}>
      <div className="page-head">
        <h2 id="live-deployment-title">
          Latest deployment <Link to={`/deployments/${deployment.id}`}>{deployment.id.slice(0, 8)}</Link>
        </h2>
        <span aria-live="polite">
          <StatusBadge status={progress.status} />
        </span>
      </div>
      <ProgressBar percent={progress.percent} label="Deployment progress" />
      <ol className="phases" aria-label="Phases">
        {progress.phases.map(({ phase, state }) => (
          <li key={phase} className={`phase phase-${state}`} aria-current={state === 'current' ? 'step' : undefined}>
            {phaseLabels[phase]}
            <span className="visually-hidden"> ({state})</span>
          </li>
        ))}
      </ol>
      {progress.failure ? (
        <div className="notice notice-error" role="alert">
          <strong>
            {progress.status === 'rolled_back' ? 'Failed and rolled back' : 'Failed'}
            {progress.failure.code ? ` (${progress.failure.code})` : ''}
          </strong>
          <p>{progress.failure.message}</p>
          <p className="muted">{adviceFor(progress.failure.code)}</p>
        </div>
      ) : null}
      <FailureNotice failure={failure} title="Could not read this deployment's progress" />
      <div className="log-box" role="log" aria-label="Deployment log" tabIndex={0}>
        {progress.logs.length === 0 ? <span className="muted">No log lines yet.</span> : null}
        {progress.logs.map((line, index) => (
          <div key={index}>{line}</div>
        ))}
        <div ref={logEnd} />
      </div>
    </section>
  );
}
