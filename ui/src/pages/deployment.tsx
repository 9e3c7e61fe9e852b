import { useMemo, useState } from 'react';
import type { DeploymentEvent } from '../../../contracts/api/resources.js';
import { deployments } from '../api/endpoints.js';
import { useDeploymentEvents } from '../api/live.js';
import { BuildLog } from '../components/deployment/build-log.js';
import { FailureNotice } from '../components/failure-notice.js';
import { ProgressBar } from '../components/progress-bar.js';
import { StatusBadge } from '../components/status-badge.js';
import { useAction, useLoad } from '../hooks.js';
import { adviceFor } from '../logic/advice.js';
import { deployProgress, mergeEvents, phaseLabels } from '../logic/deploy-progress.js';
import { elapsedMs, formatDuration, formatTime, shortId } from '../logic/format.js';
import { Link } from 'react-router';
import { useCan } from '../session.js';

export function DeploymentPage({ params }: { params: Record<string, string> }) {
  const deploymentId = params.deploymentId!;
  const detail = useLoad(() => deployments.get(deploymentId), deploymentId);
  const [arriving, setArriving] = useState<DeploymentEvent[]>([]);
  const canCancel = useCan('deploy');
  const cancel = useAction(async () => {
    await deployments.cancel(deploymentId);
    await detail.reload();
  });
  useDeploymentEvents(
    { kind: 'deployment', id: deploymentId },
    (message) => {
      setArriving((known) => [...known, message.event]);
      if (message.event.source === 'control_plane') void detail.reload();
    },
    () => void detail.reload(),
  );

  const data = detail.data;
  const events = useMemo(() => mergeEvents(data?.events ?? [], arriving), [data, arriving]);
  const progress = data ? deployProgress(data.status, events) : null;
  const duration = data ? elapsedMs(data.started_at, data.finished_at, Date.now()) : null;

  return (
    <section>
      <FailureNotice failure={detail.failure} title="Could not load the deployment" onRetry={() => void detail.reload()} />
      {detail.loading ? <p aria-live="polite">Loading the deployment…</p> : null}
      {data && progress ? (
        <>
          <div className="page-head">
            <h1>Deployment {shortId(data.id)}</h1>
            <span aria-live="polite">
              <StatusBadge status={progress.status} />
            </span>
          </div>
          <p>
            <Link to={`/services/${data.service_id}`}>Back to the service</Link>
            {data.workflow?.web_url ? (
              <>
                {' · '}
                <a href={data.workflow.web_url} target="_blank" rel="noreferrer">
                  Open its workflow in Temporal Web
                </a>
              </>
            ) : data.workflow ? (
              <span className="muted"> · Workflow {data.workflow.id} (set TEMPORAL_WEB_URL for a link)</span>
            ) : null}
          </p>
          <dl className="facts">
            <div>
              <dt>Trigger</dt>
              <dd>{data.trigger_type.replace('_', ' ')}</dd>
            </div>
            <div>
              <dt>Image</dt>
              <dd>{data.spec ? `${data.spec.image.repository}:${data.spec.image.tag}` : '—'}</dd>
            </div>
            {data.build ? (
              <div>
                <dt>Commit</dt>
                <dd>
                  {data.git_commit_sha ? `${data.git_commit_sha.slice(0, 12)} ` : ''}
                  {data.git_commit_message?.split('\n')[0] ?? `${data.git_branch ?? ''} (not fetched yet)`}
                </dd>
              </div>
            ) : null}
            {data.build_server ? (
              <div>
                <dt>Built on</dt>
                <dd data-testid="build-server">{data.build_server.name}</dd>
              </div>
            ) : null}
            <div>
              <dt>Started</dt>
              <dd>{formatTime(data.started_at)}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{duration === null ? '—' : formatDuration(duration)}</dd>
            </div>
            {data.rollback_from_id ? (
              <div>
                <dt>Returns to</dt>
                <dd>
                  <Link to={`/deployments/${data.rollback_from_id}`}>{shortId(data.rollback_from_id)}</Link>
                </dd>
              </div>
            ) : null}
          </dl>
          {!progress.finished ? <ProgressBar percent={progress.percent} label="Deployment progress" /> : null}
          {canCancel && !progress.finished ? (
            <button type="button" disabled={cancel.busy} onClick={() => void cancel.run()}>
              {cancel.busy ? 'Cancelling…' : 'Cancel deployment'}
            </button>
          ) : null}
          <FailureNotice failure={cancel.failure} title="Could not cancel" />
          {data.error_message ? (
            <div className="notice notice-error" role="alert">
              <strong>What went wrong</strong>
              <p>{data.error_message}</p>
              <p className="muted">{adviceFor(progress.failure?.code ?? null)}</p>
            </div>
          ) : null}
          <h2>Timeline</h2>
          <ol className="timeline" data-testid="timeline">
            {events.map((event) => (
              <li key={event.id} className={event.error_code ? 'timeline-error' : undefined}>
                <time>{formatTime(event.at)}</time> <StatusBadge status={event.status} />{' '}
                {event.phase ? <span className="tag">{phaseLabels[event.phase]}</span> : null}{' '}
                {event.progress_percent !== null ? <span className="muted">{Math.round(event.progress_percent)}%</span> : null} {event.message}
                {event.error_code ? <strong> ({event.error_code})</strong> : null}
                <span className="muted small"> {event.source === 'agent' ? 'agent' : 'control plane'}</span>
              </li>
            ))}
          </ol>
          {progress.logs.length > 0 ? (
            <>
              <h2>Log lines</h2>
              <div className="log-box" role="log" aria-label="Deployment log" tabIndex={0}>
                {progress.logs.map((line, index) => (
                  <div key={index}>{line}</div>
                ))}
              </div>
            </>
          ) : null}
          {data.build ? <BuildLog deploymentId={data.id} stored={data.build_logs} onResync={() => void detail.reload()} /> : null}
        </>
      ) : null}
    </section>
  );
}
