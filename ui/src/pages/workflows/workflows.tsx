import type { Workflow, WorkflowRun } from '../../../../contracts/api/automation.js';
import { projects, workflows } from '../../api/endpoints.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { SectionTabs, projectTabs } from '../../components/section-tabs.js';
import { StatusBadge } from '../../components/status-badge.js';
import { useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';
import { Link } from 'react-router';
import { useCan } from '../../session.js';

/* A project's DAG workflows: how each starts, when it fires next, how its last run went; and a way to create one. */

type Listed = { workflow: Workflow; lastRun: WorkflowRun | null };

async function listWithLastRuns(projectId: string): Promise<Listed[]> {
  const list = await workflows.list(projectId);
  return Promise.all(list.map(async (workflow) => ({ workflow, lastRun: (await workflows.runs(workflow.id, { per_page: 1 }))[0] ?? null })));
}

function triggerOf(workflow: Workflow): string {
  if (!workflow.schedule) return 'manual';
  return `cron ${workflow.cron_expression} (${workflow.schedule.timezone})${workflow.schedule.paused ? ' · paused' : ''}`;
}

export function WorkflowsPage({ params }: { params: Record<string, string> }) {
  const projectId = params.projectId!;
  const project = useLoad(() => projects.get(projectId), projectId);
  const list = useLoad(() => listWithLastRuns(projectId), projectId);
  const canManage = useCan('workflows.manage');

  return (
    <section>
      <div className="page-head">
        <h1>
          Workflows{project.data ? <span className="muted"> · {project.data.name}</span> : null}
        </h1>
        {canManage ? (
          <Link className="button primary" to={`/projects/${projectId}/workflows/new`}>
            New workflow
          </Link>
        ) : null}
      </div>
      <SectionTabs label="Project" tabs={projectTabs(projectId)} />
      <FailureNotice failure={list.failure} title="The workflows could not be read" onRetry={() => void list.reload()} />
      {list.loading ? <p aria-live="polite">Loading the workflows…</p> : null}
      {list.data?.length === 0 ? <p>No workflows yet. A workflow is a graph of steps (deploys, checks, waits, approvals) run by hand or on a schedule.</p> : null}
      {list.data && list.data.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="workflow-list">
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col">Trigger</th>
                <th scope="col">Next fire time</th>
                <th scope="col">Last run</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map(({ workflow, lastRun }) => (
                <tr key={workflow.id} data-workflow={workflow.name}>
                  <th scope="row">
                    <Link to={`/workflows/${workflow.id}`}>{workflow.name}</Link>
                    <span className="muted"> v{workflow.version}</span>
                  </th>
                  <td>{triggerOf(workflow)}</td>
                  <td>{workflow.schedule?.next_fire_times[0] ? formatTime(workflow.schedule.next_fire_times[0]) : '—'}</td>
                  <td>
                    {lastRun ? (
                      <Link to={`/workflow-runs/${lastRun.id}`}>
                        <StatusBadge status={lastRun.status} /> {formatTime(lastRun.started_at)}
                      </Link>
                    ) : (
                      'never run'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
