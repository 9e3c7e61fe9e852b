import { useState } from 'react';
import type { Workflow, WorkflowRunStatus } from '../../../../contracts/api/automation.js';
import { WorkflowRunStatus as RunStatuses } from '../../../../contracts/api/automation.js';
import type { TriggerType } from '../../../../contracts/api/resources.js';
import { projects, workflows } from '../../api/endpoints.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { Builder } from '../../components/workflow/builder.js';
import { TriggerSettings } from '../../components/workflow/trigger-settings.js';
import { StatusBadge } from '../../components/status-badge.js';
import { useAction, useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';
import { definitionOf, graphOf, laidOut } from '../../logic/workflow-graph.js';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../../session.js';

/*
 * One workflow: its graph in the builder (a new workflow starts empty), saved as a new version
 * each time; its versions and who saved each; its trigger; and its runs, filtered by status and
 * by how they started. Loaded on demand with the canvas library.
 */

const runTriggers: TriggerType[] = ['manual', 'schedule', 'api', 'workflow'];

export function NewWorkflowPage({ params }: { params: Record<string, string> }) {
  const navigate = useNavigate();
  return <WorkflowEditor projectId={params.projectId!} workflow={null} onSaved={(saved) => navigate(`/workflows/${saved.id}`)} />;
}

export function WorkflowPage({ params }: { params: Record<string, string> }) {
  const workflowId = params.workflowId!;
  const loaded = useLoad(() => workflows.get(workflowId), workflowId);
  const [current, setCurrent] = useState<Workflow | null>(null);
  const workflow = current ?? loaded.data;
  if (!workflow) return <FailureNotice failure={loaded.failure} title="The workflow could not be read" onRetry={() => void loaded.reload()} />;
  return <WorkflowEditor projectId={workflow.project_id} workflow={workflow} onSaved={setCurrent} />;
}

function WorkflowEditor({ projectId, workflow, onSaved }: { projectId: string; workflow: Workflow | null; onSaved: (workflow: Workflow) => void }) {
  const navigate = useNavigate();
  const canManage = useCan('workflows.manage');
  const canRun = useCan('workflows.run');
  const [name, setName] = useState(workflow?.name ?? '');
  const project = useLoad(() => projects.get(projectId), projectId);
  const siblings = useLoad(() => workflows.list(projectId), projectId);
  const versions = useLoad(() => (workflow ? workflows.versions(workflow.id) : Promise.resolve([])), `${workflow?.id}:${workflow?.version}`);
  const [initial] = useState(() => (workflow ? (workflow.definition.nodes.every((node) => node.position) ? graphOf(workflow.definition) : laidOut(graphOf(workflow.definition))) : { nodes: [], edges: [] }));
  const [savedDefinition, setSavedDefinition] = useState(() => definitionOf(initial));
  const save = useAction(async (definition: Workflow['definition']) => {
    const saved = workflow ? await workflows.update(workflow.id, { definition, ...(name !== workflow.name ? { name } : {}) }) : await workflows.create(projectId, { name, definition });
    setSavedDefinition(definition);
    onSaved(saved);
  });
  const start = useAction(async () => {
    if (workflow) await navigate(`/workflow-runs/${(await workflows.start(workflow.id)).id}`);
  });
  const choices = {
    service_id: (project.data?.services ?? []).map((service) => ({ value: service.id, label: service.name })),
    workflow_id: (siblings.data ?? []).filter((other) => other.id !== workflow?.id).map((other) => ({ value: other.id, label: other.name })),
  };

  return (
    <section>
      <div className="page-head">
        <h1>{workflow ? workflow.name : 'New workflow'}</h1>
        {workflow && canRun ? (
          <button type="button" className="primary" onClick={() => void start.run()} disabled={start.busy || !workflow.is_active}>
            Run now
          </button>
        ) : null}
      </div>
      <p>
        <Link to={`/projects/${projectId}/workflows`}>← All workflows of {project.data?.name ?? 'the project'}</Link>
        {workflow ? <span className="muted"> · version {workflow.version}</span> : null}
      </p>
      <FailureNotice failure={save.failure ?? start.failure} title={save.failure ? 'The workflow was not saved' : 'The run did not start'} />
      {canManage ? (
        <div className="field">
          <label htmlFor="workflow-name">Workflow name</label>
          <input id="workflow-name" value={name} onChange={(event) => setName(event.target.value)} aria-invalid={name.trim() === '' ? true : undefined} />
        </div>
      ) : null}
      <Builder
        initial={initial}
        saved={savedDefinition}
        otherChanges={workflow !== null && name !== workflow.name}
        readOnly={!canManage}
        choices={choices}
        saveLabel={workflow ? `Save as version ${workflow.version + 1}` : 'Create workflow'}
        canSave={canManage && !save.busy && name.trim() !== ''}
        onSave={(definition) => save.run(definition)}
      />
      {workflow ? (
        <>
          <TriggerSettings key={`${workflow.id}:${workflow.updated_at}`} workflow={workflow} canManage={canManage} onChanged={onSaved} />
          <section aria-labelledby="versions-title">
            <h2 id="versions-title">Versions</h2>
            <ol data-testid="versions" reversed>
              {(versions.data ?? []).map((version) => (
                <li key={version.version} data-version={version.version}>
                  Version {version.version} · {version.definition.nodes.length} nodes · saved {formatTime(version.created_at)} by{' '}
                  {version.created_by ? (version.created_by.name ?? version.created_by.email) : 'someone unknown'}
                </li>
              ))}
            </ol>
          </section>
          <RunHistory workflowId={workflow.id} />
        </>
      ) : null}
    </section>
  );
}

function RunHistory({ workflowId }: { workflowId: string }) {
  const [status, setStatus] = useState<WorkflowRunStatus | ''>('');
  const [trigger, setTrigger] = useState<TriggerType | ''>('');
  const runs = useLoad(() => workflows.runs(workflowId, { status: status || undefined, trigger_type: trigger || undefined, per_page: 50 }), `${workflowId}:${status}:${trigger}`);
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <div className="filters">
        <label htmlFor="run-status">Status</label>
        <select id="run-status" value={status} onChange={(event) => setStatus(event.target.value as WorkflowRunStatus | '')}>
          <option value="">any</option>
          {RunStatuses.options.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
        <label htmlFor="run-trigger">Started by</label>
        <select id="run-trigger" value={trigger} onChange={(event) => setTrigger(event.target.value as TriggerType | '')}>
          <option value="">any</option>
          {runTriggers.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
      </div>
      <FailureNotice failure={runs.failure} title="The runs could not be read" onRetry={() => void runs.reload()} />
      {runs.data?.length === 0 ? <p>No runs match.</p> : null}
      <ul data-testid="run-history">
        {(runs.data ?? []).map((run) => (
          <li key={run.id}>
            <Link to={`/workflow-runs/${run.id}`}>
              <StatusBadge status={run.status} /> {formatTime(run.started_at)}
            </Link>{' '}
            <span className="muted">
              {run.trigger_type ?? 'unknown'} · version {run.version ?? '?'}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
