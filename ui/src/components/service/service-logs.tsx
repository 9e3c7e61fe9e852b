import { useEffect, useRef, useState, type FormEvent } from 'react';
import { liveEvents, type LiveLogLines } from '../../../../contracts/live.js';
import { LogLevel, type LogEntry } from '../../../../contracts/telemetry/records.js';
import { services, type LogSearch } from '../../api/endpoints.js';
import { useLiveRoom } from '../../api/live.js';
import { useLoad } from '../../hooks.js';
import { timeWindows, type TimeWindowId } from '../../logic/time-window.js';
import { Link } from 'react-router';
import { FailureNotice } from '../failure-notice.js';

/*
 * Container logs: the newest lines from `GET /services/:id/logs` (ClickHouse), then, while
 * "follow" is on, the service's live tail over socket.io appended below them. On the service's
 * logs page (`full`) also a time range, a level and a trace id, each applied to the tail too.
 */
const logLinesShown = 200;
const levelFilters = ['debug', 'info', 'warn', 'error'] as const;
type LevelFilter = (typeof levelFilters)[number];

interface LogFilter {
  search: string;
  level: LevelFilter | '';
  windowId: TimeWindowId | '';
  traceId: string | null;
}

/** The API's filters, applied to the lines the tail brings. */
const matches = (filter: LogFilter) => (entry: LogEntry) =>
  (!filter.search || entry.message.toLowerCase().includes(filter.search.toLowerCase())) &&
  (!filter.level || LogLevel.options.indexOf(entry.level) >= LogLevel.options.indexOf(filter.level)) &&
  (!filter.traceId || entry.trace_id === filter.traceId);

function searchOf(filter: LogFilter): LogSearch {
  const window = timeWindows.find((each) => each.id === filter.windowId);
  return {
    limit: logLinesShown,
    search: filter.search || undefined,
    level: filter.level || undefined,
    trace_id: filter.traceId ?? undefined,
    from: window ? new Date(Date.now() - window.ms).toISOString() : undefined,
  };
}

export function ServiceLogs({ serviceId, full = false, traceId = null }: { serviceId: string; full?: boolean; traceId?: string | null }) {
  const [typed, setTyped] = useState('');
  const [filter, setFilter] = useState<LogFilter>({ search: '', level: '', windowId: '', traceId });
  const [follow, setFollow] = useState(true);
  const logs = useLoad(() => services.logs(serviceId, searchOf(filter)), `${serviceId}:${JSON.stringify(filter)}`);
  const [tail, setTail] = useState<LogEntry[]>([]);
  // A fresh read holds everything the tail had so far.
  useEffect(() => setTail([]), [logs.data]);
  // Lines stored while not following are read again when following resumes.
  const { reload } = logs;
  const wasFollowing = useRef(follow);
  useEffect(() => {
    if (follow && !wasFollowing.current) void reload();
    wasFollowing.current = follow;
  }, [follow, reload]);
  useLiveRoom<LiveLogLines>(
    follow ? { kind: 'service_logs', id: serviceId } : null,
    liveEvents.logLines,
    (message) => message.service_id === serviceId,
    (message) => setTail((lines) => [...lines, ...message.lines.filter(matches(filter))].slice(-logLinesShown)),
    () => void logs.reload(),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilter((current) => ({ ...current, search: typed.trim() }));
  };
  // Newest first from the API; read top to bottom like a terminal.
  const lines = [...(logs.data ?? [])].reverse().concat(tail).slice(-logLinesShown);

  return (
    <section className="panel" aria-labelledby="logs-title">
      <div className="page-head">
        <h2 id="logs-title">{full ? 'Log lines' : 'Container logs'}</h2>
        <label className="checkbox">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} /> Follow
        </label>
      </div>
      {filter.traceId ? (
        <p className="notice">
          Lines of trace <code>{filter.traceId}</code> only. <Link to={`/traces/${filter.traceId}`}>Open the trace</Link>{' '}
          <button type="button" className="link-button" onClick={() => setFilter((current) => ({ ...current, traceId: null }))}>
            Show every line
          </button>
        </p>
      ) : null}
      <form onSubmit={submit} className="inline-form" role="search">
        <div className="field">
          <label htmlFor="log-search">Search</label>
          <input id="log-search" type="search" value={typed} onChange={(event) => setTyped(event.target.value)} placeholder="text in the message" />
        </div>
        {full ? (
          <>
            <div className="field">
              <label htmlFor="log-level">Level</label>
              <select id="log-level" value={filter.level} onChange={(event) => setFilter((current) => ({ ...current, level: event.target.value as LevelFilter | '' }))}>
                <option value="">Any</option>
                {levelFilters.map((level) => (
                  <option key={level} value={level}>
                    {level} and worse
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="log-window">Time range</label>
              <select id="log-window" value={filter.windowId} onChange={(event) => setFilter((current) => ({ ...current, windowId: event.target.value as TimeWindowId | '' }))}>
                <option value="">Newest lines</option>
                {timeWindows.map((window) => (
                  <option key={window.id} value={window.id}>
                    {window.label}
                  </option>
                ))}
              </select>
            </div>
          </>
        ) : null}
        <button type="submit">Search</button>
      </form>
      <FailureNotice failure={logs.failure} title="Could not read the logs" />
      <div className="log-box" role="log" aria-label="Container log" tabIndex={0}>
        {lines.length === 0 && !logs.loading ? <span className="muted">{filter.search ? `No lines contain “${filter.search}”.` : 'No log lines yet.'}</span> : null}
        {lines.map((entry, index) => (
          <div key={`${entry.timestamp}-${index}`} className={`log-${entry.level}`}>
            <time className="muted">{entry.timestamp.slice(11, 19)}</time> {full ? <span className="muted">{entry.level} </span> : null}
            {entry.message}
            {full && entry.trace_id ? (
              <>
                {' '}
                <Link to={`/traces/${entry.trace_id}`} className="log-trace">
                  trace {entry.trace_id.slice(0, 8)}
                </Link>
              </>
            ) : null}
          </div>
        ))}
      </div>
    </section>
  );
}
