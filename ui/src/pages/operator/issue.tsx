import type { IssueEvent } from '../../../../contracts/api/observability.js';
import { issues, services } from '../../api/endpoints.js';
import { IssueAnalysis } from '../../components/ai/issue-analysis.js';
import { ChatPanel } from '../../components/ai/chat-panel.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { StackTrace } from '../../components/operator/stack-trace.js';
import { StatusBadge } from '../../components/status-badge.js';
import { useAction, useLoad } from '../../hooks.js';
import { formatTime, shortId } from '../../logic/format.js';
import { exceptionChain, traceIdOf } from '../../logic/issue-event.js';
import { Link } from 'react-router';
import { useCan } from '../../session.js';

/* One issue: what its latest event says (frames, causes, breadcrumbs, tags, user), its events, and what to do with it. */
const eventsShown = 50;

export function IssuePage({ params }: { params: Record<string, string> }) {
  const issueId = params.issueId!;
  const issue = useLoad(() => issues.get(issueId), issueId);
  const events = useLoad(() => issues.events(issueId, eventsShown), issueId);
  const service = useLoad(
    () => (issue.data ? services.get(issue.data.service_id) : Promise.resolve(null)),
    issue.data?.service_id ?? 'none',
  );
  const canManage = useCan('issues.manage');
  const canUseAi = useCan('ai.use');
  const change = useAction(async (status: 'unresolved' | 'resolved' | 'ignored') => {
    await issues.setStatus(issueId, status);
    await issue.reload();
  });
  const data = issue.data;
  const latest = events.data?.[0] ?? null;
  const oldest = events.data?.at(-1) ?? null;

  return (
    <section>
      <FailureNotice failure={issue.failure ?? events.failure} title="Could not load the issue" onRetry={() => void Promise.all([issue.reload(), events.reload()])} />
      {issue.loading ? <p aria-live="polite">Loading the issue…</p> : null}
      {data ? (
        <>
          <div className="page-head">
            <h1>{data.title}</h1>
            <div className="button-row">
              <StatusBadge status={data.status} />
              <StatusBadge status={data.severity} />
              {service.data ? (
                <>
                  <Link to={`/projects/${service.data.project_id}/issues`}>All issues</Link>
                  <Link to={`/services/${service.data.id}`}>{service.data.name}</Link>
                </>
              ) : null}
            </div>
          </div>
          <dl className="facts">
            <div>
              <dt>Exception</dt>
              <dd>{data.exception_type ?? 'message'}</dd>
            </div>
            <div>
              <dt>Events</dt>
              <dd>{data.event_count}</dd>
            </div>
            <div>
              <dt>Users affected</dt>
              <dd>{data.user_count}</dd>
            </div>
            <div>
              <dt>First seen</dt>
              <dd>
                {formatTime(data.first_seen_at)}
                {oldest?.release ? <div className="muted">release {oldest.release}</div> : null}
              </dd>
            </div>
            <div>
              <dt>Last seen</dt>
              <dd>
                {formatTime(data.last_seen_at)}
                {latest?.release ? <div className="muted">release {latest.release}</div> : null}
              </dd>
            </div>
          </dl>
          {canManage ? (
            <div className="button-row" aria-live="polite">
              {data.status === 'resolved' || data.status === 'ignored' ? (
                <button type="button" disabled={change.busy} onClick={() => void change.run('unresolved')}>
                  Reopen
                </button>
              ) : (
                <>
                  <button type="button" className="primary" disabled={change.busy} onClick={() => void change.run('resolved')}>
                    Resolve
                  </button>
                  <button type="button" disabled={change.busy} onClick={() => void change.run('ignored')}>
                    Ignore
                  </button>
                </>
              )}
              {change.busy ? <span className="muted">Saving…</span> : null}
            </div>
          ) : null}
          <FailureNotice failure={change.failure} title="The issue did not change" />
          {canUseAi ? (
            <>
              <IssueAnalysis issueId={issueId} stored={data.ai_analysis} />
              <ChatPanel context={{ issue_id: issueId }} subject="this issue" />
            </>
          ) : null}
          {latest ? <LatestEvent event={latest} serviceId={data.service_id} /> : null}
          {events.data && events.data.length > 0 ? <EventList events={events.data} /> : null}
        </>
      ) : null}
    </section>
  );
}

function LatestEvent({ event, serviceId }: { event: IssueEvent; serviceId: string }) {
  const chain = exceptionChain(event);
  const traceId = traceIdOf(event);
  const tags = Object.entries(event.context?.tags ?? {});
  return (
    <>
      <div className="panel">
        <h2>Latest event</h2>
        <p className="muted">
          {formatTime(event.timestamp)}
          {event.environment ? ` · ${event.environment}` : ''}
          {event.release ? ` · release ${event.release}` : ''}
        </p>
        {traceId ? (
          <p className="button-row">
            <Link to={`/traces/${traceId}`}>Open its trace</Link>
            <Link to={`/services/${serviceId}/logs?trace_id=${traceId}`}>Logs of this trace</Link>
          </p>
        ) : null}
        <h3>Stack trace</h3>
        <StackTrace frames={event.stack_trace} />
        {chain.length > 0 ? (
          <>
            <h3>Caused by</h3>
            <ol aria-label="Exception chain">
              {[...chain].reverse().map((cause, index) => (
                <li key={index}>
                  <code>{cause.type}</code>: {cause.value}
                </li>
              ))}
            </ol>
          </>
        ) : null}
      </div>
      <div className="panel">
        <h2>Breadcrumbs</h2>
        {(event.breadcrumbs ?? []).length === 0 ? <p className="muted">None were sent.</p> : null}
        <ol className="timeline" aria-label="Breadcrumbs">
          {(event.breadcrumbs ?? []).map((crumb, index) => (
            <li key={index} className={crumb.level === 'error' ? 'timeline-error' : undefined}>
              <time>{crumb.timestamp.slice(11, 23)}</time> <strong>{crumb.category}</strong> {crumb.message ?? ''}
            </li>
          ))}
        </ol>
      </div>
      <div className="panel">
        <h2>Tags and user</h2>
        <dl className="kv">
          {tags.map(([name, value]) => (
            <div key={name} style={{ display: 'contents' }}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
          <dt>user</dt>
          <dd>{event.context?.user ? `${event.context.user.id}${event.context.user.email ? ` (${event.context.user.email})` : ''}` : '—'}</dd>
        </dl>
      </div>
    </>
  );
}

function EventList({ events }: { events: IssueEvent[] }) {
  return (
    <div className="panel">
      <h2>Events</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">When</th>
              <th scope="col">Release</th>
              <th scope="col">Environment</th>
              <th scope="col">Trace</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => {
              const traceId = traceIdOf(event);
              return (
                <tr key={event.id}>
                  <td>
                    <code>{shortId(event.id)}</code>
                  </td>
                  <td>{formatTime(event.timestamp)}</td>
                  <td>{event.release ?? '—'}</td>
                  <td>{event.environment ?? '—'}</td>
                  <td>{traceId ? <Link to={`/traces/${traceId}`}>{traceId.slice(0, 12)}</Link> : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
