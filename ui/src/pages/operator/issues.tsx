import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { ErrorGroup, IssueStatus } from '../../../../contracts/api/observability.js';
import { IssueSort } from '../../../../contracts/api/queries.js';
import { projects } from '../../api/endpoints.js';
import { useProjectIssues } from '../../api/live.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { TelemetryHint } from '../../components/operator/service-head.js';
import { Sparkline } from '../../components/operator/sparkline.js';
import { SectionTabs, projectTabs } from '../../components/section-tabs.js';
import { StatusBadge } from '../../components/status-badge.js';
import { ScrollBox, useScrollBox, useVirtualRows } from '../../components/virtual-rows.js';
import { useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';
import { Link } from 'react-router';
import { useIssueActivity, useIssuePages } from './issue-pages.js';

/*
 * A project's issues, one status at a time, with new and regressed ones arriving over the
 * project's `project_issues` room while the page is open. Read a page at a time as the list
 * scrolls, and only the rows near the view are drawn.
 */
/** A row with its title and second line, in pixels, until it is measured. */
const issueRowPx = 62;
/** Rows from the end of what is read at which the next page is asked for. */
const readAheadRows = 30;
const activityHours = 24;
const statuses: IssueStatus[] = ['unresolved', 'regressed', 'resolved', 'ignored'];
const sortLabels: Record<IssueSort, string> = { last_seen: 'Last seen', first_seen: 'First seen', event_count: 'Events', user_count: 'Users' };

const sortKey: Record<IssueSort, (issue: ErrorGroup) => number> = {
  last_seen: (issue) => Date.parse(issue.last_seen_at),
  first_seen: (issue) => Date.parse(issue.first_seen_at),
  event_count: (issue) => issue.event_count,
  user_count: (issue) => issue.user_count,
};

export function IssuesPage({ params }: { params: Record<string, string> }) {
  const projectId = params.projectId!;
  const project = useLoad(() => projects.get(projectId), projectId);
  const [status, setStatus] = useState<IssueStatus>('unresolved');
  const [sort, setSort] = useState<IssueSort>('last_seen');
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  const list = useIssuePages(projectId, { status, sort, search });
  const [arrived, setArrived] = useState<Record<string, ErrorGroup>>({});

  const words = search.toLowerCase();
  // What arrived live replaces what was read: an issue that changed status leaves this tab, one that entered it joins.
  const rows = useMemo(() => {
    const shownIssue = (issue: ErrorGroup) =>
      issue.status === status && (!words || `${issue.title} ${issue.exception_type ?? ''}`.toLowerCase().includes(words));
    const merged = new Map(list.issues.map((issue) => [issue.id, issue]));
    for (const issue of Object.values(arrived)) merged.set(issue.id, issue);
    return [...merged.values()].filter(shownIssue).sort((a, b) => sortKey[sort](b) - sortKey[sort](a));
  }, [list.issues, arrived, status, words, sort]);

  const box = useScrollBox();
  const windowed = useVirtualRows(rows.length, issueRowPx, box, (index) => rows[index]!.id);
  const { more } = list;
  useEffect(() => {
    if (windowed.lastIndex >= rows.length - readAheadRows) more();
  }, [windowed.lastIndex, rows.length, more]);
  const activity = useIssueActivity(
    projectId,
    windowed.items.map(({ index }) => rows[index]!.id),
    activityHours,
  );

  useProjectIssues(
    projectId,
    ({ issue }) => {
      activity.forget(issue.id);
      setArrived((known) => ({ ...known, [issue.id]: issue }));
    },
    () => {
      setArrived({});
      list.reset();
    },
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch(typed.trim());
  };
  const services = new Map((project.data?.services ?? []).map((service) => [service.id, service.name]));

  return (
    <section>
      <div className="page-head">
        <h1>
          Issues{project.data ? <span className="muted"> · {project.data.name}</span> : null}
        </h1>
      </div>
      <SectionTabs label="Project" tabs={projectTabs(projectId)} />
      <div className="status-tabs" role="group" aria-label="Status">
        {statuses.map((each) => (
          <button key={each} type="button" aria-pressed={each === status} onClick={() => setStatus(each)}>
            {each[0]!.toUpperCase() + each.slice(1)}
          </button>
        ))}
      </div>
      <form className="inline-form" onSubmit={submit} role="search">
        <div className="field">
          <label htmlFor="issue-search">Search issues</label>
          <input id="issue-search" type="search" value={typed} onChange={(event) => setTyped(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="issue-sort">Sort by</label>
          <select id="issue-sort" value={sort} onChange={(event) => setSort(event.target.value as IssueSort)}>
            {IssueSort.options.map((option) => (
              <option key={option} value={option}>
                {sortLabels[option]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      <FailureNotice failure={list.failure} title="Could not load the issues" onRetry={list.reset} />
      {list.loading && rows.length === 0 ? <p aria-live="polite">Loading issues…</p> : null}
      {!list.loading && rows.length === 0 ? (
        search || status !== 'unresolved' ? <p>No {status} issues{search ? ` match “${search}”` : ''}.</p> : <TelemetryHint what="errors" />
      ) : null}
      {rows.length > 0 ? (
        <ScrollBox label="Issues" boxRef={box}>
          <table data-testid="issue-list" aria-rowcount={list.complete ? rows.length + 1 : -1}>
            <thead>
              <tr aria-rowindex={1}>
                <th scope="col">Issue</th>
                <th scope="col">Service</th>
                <th scope="col">Events</th>
                <th scope="col">Last {activityHours} hours</th>
                <th scope="col">Users</th>
                <th scope="col">Last seen</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {windowed.before > 0 ? <SpacerRow height={windowed.before} /> : null}
              {windowed.items.map(({ index }) => {
                const issue = rows[index]!;
                const counts = activity.countsOf(issue.id);
                return (
                  <tr key={issue.id} ref={windowed.measure} data-index={index} aria-rowindex={index + 2} data-issue={issue.title}>
                    <th scope="row">
                      <Link to={`/issues/${issue.id}`}>{issue.title}</Link>
                      <div className="muted small">
                        {issue.exception_type ?? 'message'} · first seen {formatTime(issue.first_seen_at)}
                      </div>
                    </th>
                    <td>{services.get(issue.service_id) ?? '—'}</td>
                    <td data-testid="event-count">{issue.event_count}</td>
                    <td>{counts ? <Sparkline counts={counts} hours={activityHours} /> : null}</td>
                    <td>{issue.user_count}</td>
                    <td>{formatTime(issue.last_seen_at)}</td>
                    <td>
                      <StatusBadge status={issue.status} /> <StatusBadge status={issue.severity} />
                    </td>
                  </tr>
                );
              })}
              {windowed.after > 0 ? <SpacerRow height={windowed.after} /> : null}
            </tbody>
          </table>
        </ScrollBox>
      ) : null}
    </section>
  );
}

/** The height of the rows not drawn, so the scrollbar is as long as the whole list. */
function SpacerRow({ height }: { height: number }) {
  return (
    <tr className="spacer-row" aria-hidden="true">
      <td colSpan={7} style={{ height }} />
    </tr>
  );
}
