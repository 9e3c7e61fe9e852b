import { useState, type FormEvent } from 'react';
import { services } from '../../api/endpoints.js';
import { useInterval, useLoad } from '../../hooks.js';
import { FailureNotice } from '../failure-notice.js';

/*
 * Container logs from `GET /services/:id/logs` (ClickHouse): there is no streaming endpoint, so
 * "follow" re-reads the newest lines on this interval.
 */
const followIntervalMs = 2_000;
const logLinesShown = 200;

export function ServiceLogs({ serviceId }: { serviceId: string }) {
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  const [follow, setFollow] = useState(true);
  const logs = useLoad(() => services.logs(serviceId, { search: search || undefined, limit: logLinesShown }), `${serviceId}:${search}`);
  useInterval(() => void logs.reload(), followIntervalMs, follow);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch(typed.trim());
  };
  // Newest first from the API; read top to bottom like a terminal.
  const lines = [...(logs.data ?? [])].reverse();

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
