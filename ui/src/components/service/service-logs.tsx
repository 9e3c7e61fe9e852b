import { useEffect, useRef, useState, type FormEvent } from 'react';
import { liveEvents, type LiveLogLines } from '../../../../contracts/live.js';
import type { LogEntry } from '../../../../contracts/telemetry/records.js';
import { services } from '../../api/endpoints.js';
import { useLiveRoom } from '../../api/live.js';
import { useLoad } from '../../hooks.js';
import { FailureNotice } from '../failure-notice.js';

/*
 * Container logs: the newest lines from `GET /services/:id/logs` (ClickHouse), then, while
 * "follow" is on, the service's live tail over socket.io appended below them.
 */
const logLinesShown = 200;

/** The API's search: the text anywhere in the message, any case. */
const matches = (search: string) => (entry: LogEntry) => !search || entry.message.toLowerCase().includes(search.toLowerCase());

export function ServiceLogs({ serviceId }: { serviceId: string }) {
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  const [follow, setFollow] = useState(true);
  const logs = useLoad(() => services.logs(serviceId, { search: search || undefined, limit: logLinesShown }), `${serviceId}:${search}`);
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
    (message) => setTail((lines) => [...lines, ...message.lines.filter(matches(search))].slice(-logLinesShown)),
    () => void logs.reload(),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch(typed.trim());
  };
  // Newest first from the API; read top to bottom like a terminal.
  const lines = [...(logs.data ?? [])].reverse().concat(tail).slice(-logLinesShown);

  return (
    <section className="panel" aria-labelledby="logs-title">
      <div className="page-head">
        <h2 id="logs-title">Container logs</h2>
        <label className="checkbox">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} /> Follow
        </label>
      </div>
      <form onSubmit={submit} className="inline-form" role="search">
        <label htmlFor="log-search">Search</label>
        <input id="log-search" type="search" value={typed} onChange={(event) => setTyped(event.target.value)} placeholder="text in the message" />
        <button type="submit">Search</button>
      </form>
      <FailureNotice failure={logs.failure} title="Could not read the logs" />
      <div className="log-box" role="log" aria-label="Container log" tabIndex={0}>
        {lines.length === 0 && !logs.loading ? <span className="muted">{search ? `No lines contain “${search}”.` : 'No log lines yet.'}</span> : null}
        {lines.map((entry, index) => (
          <div key={`${entry.timestamp}-${index}`} className={`log-${entry.level}`}>
            <time className="muted">{entry.timestamp.slice(11, 19)}</time> {entry.message}
          </div>
        ))}
      </div>
    </section>
  );
}
