import { applyNodeChanges, Background, Controls, ReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import type { MemberRole } from '../../../../contracts/api/access.js';
import type { DagNodeResult, WorkflowRun } from '../../../../contracts/api/automation.js';
import type { WorkflowDefinition, WorkflowNode } from '../../../../contracts/api/dag-definition.js';
import { roles } from '../../../../contracts/api/permissions.js';
import { workflowRuns, workflows } from '../../api/endpoints.js';
import { useWorkflowRunUpdates } from '../../api/live.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { StatusBadge } from '../../components/status-badge.js';
import { nodeTypes, stateIcons } from '../../components/workflow/step-node.js';
import { useAction, useLoad } from '../../hooks.js';
import { elapsedMs, formatDuration, formatTime } from '../../logic/format.js';
import { graphOf, laidOut, type StepNode } from '../../logic/workflow-graph.js';
import { Link } from 'react-router';
import { useCan, useSession } from '../../session.js';

/*
 * One run of a workflow: the graph of the version it runs, each node with its state (an icon and
 * a word as well as a colour), duration, attempts, output or error; Approve and Reject on a node
 * that waits for someone allowed to decide; Cancel. Live over the run's socket.io room: the
 * worker's every recorded change arrives without polling, and a reconnect re-reads the run.
 */

const finished = (run: WorkflowRun) => ['succeeded', 'failed', 'cancelled'].includes(run.status);

/** Whether `role` is at least `least` (roles are listed most powerful first). */
const atLeast = (role: MemberRole, least: MemberRole) => roles.indexOf(role) <= roles.indexOf(least);

async function runWithDefinition(runId: string): Promise<{ run: WorkflowRun; definition: WorkflowDefinition; workflowName: string }> {
  const run = await workflowRuns.get(runId);
  const [workflow, versions] = await Promise.all([workflows.get(run.workflow_id), workflows.versions(run.workflow_id)]);
  const definition = versions.find((version) => version.version === run.version)?.definition ?? workflow.definition;
  return { run, definition, workflowName: workflow.name };
}

export function WorkflowRunPage({ params }: { params: Record<string, string> }) {
  const runId = params.runId!;
  const loaded = useLoad(() => runWithDefinition(runId), runId);
  const [live, setLive] = useState<WorkflowRun | null>(null);
  const role = useSession().identity.role;
  const canRun = useCan('workflows.run');
  useWorkflowRunUpdates(
    runId,
    ({ run }) => setLive(run),
    () => {
      setLive(null);
      void loaded.reload();
    },
  );
  const act = useAction(async (perform: () => Promise<unknown>) => {
    await perform();
  });

  const definition = loaded.data?.definition;
  const graph = useMemo(() => (definition ? (definition.nodes.every((node) => node.position) ? graphOf(definition) : laidOut(graphOf(definition))) : null), [definition]);
  const run = live ?? loaded.data?.run;
  // Nodes kept in state so xyflow's measurements survive a state change (a node not measured is not drawn).
  const [nodes, setNodes] = useState<StepNode[]>([]);
  useEffect(() => {
    if (!graph || !run) return;
    setNodes((current) =>
      graph.nodes.map((node) => {
        const known = current.find((candidate) => candidate.id === node.id) ?? node;
        return { ...known, draggable: false, data: { ...node.data, result: run.step_results[node.id] } };
      }),
    );
  }, [graph, run]);

  if (!loaded.data || !run || !graph || !definition) return <FailureNotice failure={loaded.failure} title="The run could not be read" onRetry={() => void loaded.reload()} />;
  const { workflowName } = loaded.data;
  const mayDecide = (node: WorkflowNode) => canRun && node.step.type === 'approval' && atLeast(role, node.step.approver_role ?? 'developer');

  return (
    <section>
      <div className="page-head">
        <h1>
          Run of <Link to={`/workflows/${run.workflow_id}`}>{workflowName}</Link> <StatusBadge status={run.status} />
        </h1>
        {canRun && !finished(run) ? (
          <button type="button" className="danger" disabled={act.busy} onClick={() => void act.run(() => workflowRuns.cancel(run.id))}>
            Cancel run
          </button>
        ) : null}
      </div>
      <p className="muted">
        Version {run.version ?? '?'} · started {formatTime(run.started_at)} by {run.trigger_type ?? 'unknown'}
        {run.finished_at ? ` · finished ${formatTime(run.finished_at)}` : ''}
        {run.temporal_web_url ? (
          <>
            {' · '}
            <a href={run.temporal_web_url} target="_blank" rel="noreferrer">
              Open in Temporal Web
            </a>
          </>
        ) : null}
      </p>
      <FailureNotice failure={act.failure} title="That did not work" />
      <div className="run-canvas" data-testid="run-canvas">
        <ReactFlow
          nodes={nodes}
          edges={graph.edges}
          nodeTypes={nodeTypes}
          onNodesChange={(changes) => setNodes((current) => applyNodeChanges(changes, current))}
          nodesConnectable={false} nodesDraggable={false} elementsSelectable={false} fitView fitViewOptions={{ maxZoom: 1 }}>
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      <h2 id="run-nodes-title">Nodes</h2>
      {/* Focusable: on a phone the table scrolls sideways inside it, and a keyboard must reach that. */}
      <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="run-nodes-title">
        <table data-testid="run-nodes">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">State</th>
              <th scope="col">Duration</th>
              <th scope="col">Attempts</th>
              <th scope="col">Output or error</th>
            </tr>
          </thead>
          <tbody>
            {definition.nodes.map((node) => {
              const result = run.step_results[node.id];
              return (
                <tr key={node.id} data-node={node.id} data-state={result?.state ?? 'pending'}>
                  <th scope="row">
                    {node.name ?? node.id} <span className="muted">({node.step.type.replace(/_/g, ' ')})</span>
                  </th>
                  <td>
                    <span className={`node-state node-state-${result?.state ?? 'pending'}`}>
                      <span aria-hidden="true">{stateIcons[result?.state ?? 'pending']} </span>
                      {(result?.state ?? 'pending').replace(/_/g, ' ')}
                    </span>
                    {result?.state === 'waiting_approval' && node.step.type === 'approval' ? (
                      <div>
                        <p>{node.step.message}</p>
                        {mayDecide(node) ? (
                          <div className="button-row">
                            <button type="button" className="primary" disabled={act.busy} onClick={() => void act.run(() => workflowRuns.decide(run.id, node.id, 'approve'))}>
                              Approve
                            </button>
                            <button type="button" className="danger" disabled={act.busy} onClick={() => void act.run(() => workflowRuns.decide(run.id, node.id, 'reject'))}>
                              Reject
                            </button>
                          </div>
                        ) : (
                          <p className="muted">Waiting for a {node.step.approver_role ?? 'developer'} or above to decide.</p>
                        )}
                      </div>
                    ) : null}
                  </td>
                  <td>{durationOf(result)}</td>
                  <td>{result?.attempts ?? 0}</td>
                  <td>
                    <NodeOutcome result={result} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function durationOf(result: DagNodeResult | undefined): string {
  const ms = result ? elapsedMs(result.started_at, result.finished_at, Date.now()) : null;
  return ms === null ? '—' : formatDuration(ms);
}

function NodeOutcome({ result }: { result: DagNodeResult | undefined }) {
  if (result?.error) return <span className="field-error">{`${result.error.code}: ${result.error.message}`}</span>;
  if (!result?.output || Object.keys(result.output).length === 0) return <span className="muted">—</span>;
  const deploymentId = typeof result.output.deployment_id === 'string' ? result.output.deployment_id : null;
  return (
    <>
      {deploymentId ? <Link to={`/deployments/${deploymentId}`}>Deployment</Link> : null}
      <pre className="node-output">{JSON.stringify(result.output, null, 2)}</pre>
    </>
  );
}
