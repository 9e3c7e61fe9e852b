import type { ServerProblem } from '../../../contracts/api/resources.js';
import { buildServerTag } from '../../../contracts/api/server-tags.js';
import { servers } from '../api/endpoints.js';
import { DeleteByName } from '../components/delete-by-name.js';
import { DataTable } from '../components/data-table.js';
import { FailureNotice } from '../components/failure-notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { useInterval, useLoad } from '../hooks.js';
import { formatCpu, formatDiskUse, formatMemoryUse, formatTime } from '../logic/format.js';
import { Link } from 'react-router';
import { useCan } from '../session.js';

/* Presence changes without a socket event: the list re-reads on this interval. */
const serverListRefreshMs = 5_000;

export function ServersPage() {
  const list = useLoad(() => servers.list(), 'servers');
  const canAdd = useCan('server.create');
  const canDelete = useCan('server.delete');
  useInterval(() => void list.reload(), serverListRefreshMs, true);

  return (
    <section>
      <div className="page-head">
        <h1>Servers</h1>
        {canAdd ? (
          <Link to="/servers/new" className="button primary">
            Add server
          </Link>
        ) : null}
      </div>
      <FailureNotice failure={list.failure} title="Could not load the servers" onRetry={() => void list.reload()} />
      {list.loading ? <p aria-live="polite">Loading servers…</p> : null}
      <DataTable
        testId="servers"
        columns={['Name', 'Status', 'Agent', 'CPU', 'Memory', 'Disk', 'Last heartbeat', canDelete ? 'Actions' : null]}
        items={list.data}
        empty={<p>No servers yet. Add one: Syntra gives you the command that installs its agent.</p>}
        row={(server) => (
          <tr key={server.id} data-server={server.name}>
            <th scope="row">
              {server.name}
              {server.tags.includes(buildServerTag) ? <span className="tag">build server</span> : null}
              <div className="small">
                <Link to={`/servers/${server.id}/metrics`}>Metrics <span className="visually-hidden">of {server.name}</span></Link>
              </div>
              {server.hostname ? <div className="muted">{server.hostname}</div> : null}
              <ServerProblems problems={server.problems} />
            </th>
            <td>
              <StatusBadge status={server.status} />
            </td>
            <td>{server.agent_version ?? '—'}</td>
            <td>{formatCpu(server)}</td>
            <td>{formatMemoryUse(server)}</td>
            <td>{formatDiskUse(server)}</td>
            <td>{formatTime(server.last_heartbeat_at)}</td>
            {canDelete ? (
              <td>
                <DeleteByName
                  kind="server"
                  name={server.name}
                  consequence="Syntra forgets it, and its agent's token stops working."
                  remove={() => servers.remove(server.id)}
                  onDeleted={() => void list.reload()}
                />
              </td>
            ) : null}
          </tr>
        )}
      />
    </section>
  );
}

/* A standing problem is the server's state, not an event: it stays beside its name until the agent's next start clears it. */
function ServerProblems({ problems }: { problems: ServerProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul className="server-problems" aria-label="Problems">
      {problems.map((problem) => (
        <li key={problem.resource} data-severity={problem.severity}>
          <strong>
            <span aria-hidden="true">⚠ </span>
            {problem.severity === 'critical' ? 'Critical: ' : 'Warning: '}
            {problem.title}
          </strong>
          <div>{problem.message}</div>
          <div className="muted">since {formatTime(problem.since)}</div>
        </li>
      ))}
    </ul>
  );
}
