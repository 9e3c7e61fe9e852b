import type { DagNodeResult, DagNodeState, Workflow, WorkflowRun, WorkflowRunStatus } from '../../contracts/api/automation.js';
import type { WorkflowNode } from '../../contracts/api/dag-definition.js';
import { colors, shortId, statusText, takesEscapes } from '../terminal/output.js';
import { progressView } from '../terminal/progress.js';
import { ExitWith, exitCodes } from '../terminal/exit-codes.js';
import type { Session } from './session.js';

/*
 * A DAG run followed to its end by polling `GET /workflow-runs/:id` (runs have no live room):
 * a line whenever a node changes state or starts another attempt, its duration when it ends, and
 * for an approval node what it asks and how to decide it; at a terminal a live bar of the nodes
 * settled. Ctrl-C stops watching; the run goes on.
 */

const POLL_INTERVAL_MS = 1_000;
const finalStatuses: ReadonlySet<WorkflowRunStatus> = new Set(['succeeded', 'failed', 'cancelled']);
const settledStates: ReadonlySet<DagNodeState> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

const seconds = (from: string | null, to: string | null) => (from && to ? `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)}s` : null);

function nodeLabel(node: WorkflowNode | undefined, id: string): string {
  return node?.name ? `${id} (${node.name})` : id;
}

export interface RunWatchOptions {
  /** Where progress goes: stdout, or stderr when stdout carries --json. */
  stream: NodeJS.WriteStream;
  workflowLabel: string;
}

/** What changed in one node since the last look, as a line; null when nothing did. */
function changeLine(id: string, node: WorkflowNode | undefined, result: DagNodeResult, before: DagNodeResult | undefined, runId: string): string | null {
  // A failed attempt about to be retried keeps its state and count: its error is the change.
  if (before && before.state === result.state && before.attempts === result.attempts && before.error?.message === result.error?.message) return null;
  const maxAttempts = node?.retry?.max_attempts ?? 1;
  const details: string[] = [];
  // While a node runs, an error is its last attempt's, and the interpreter is about to retry.
  const retrying = result.state === 'running' && result.error !== null;
  if (result.attempts > 0 && (maxAttempts > 1 || result.attempts > 1)) details.push(`attempt ${result.attempts} of ${maxAttempts}${retrying ? ' failed' : ''}`);
  const took = seconds(result.started_at, result.finished_at);
  if (took) details.push(took);
  if (result.error && (retrying || result.state === 'failed')) details.push(colors.red(`${result.error.code}: ${result.error.message}`) + (retrying ? ', retrying' : ''));
  const at = (result.finished_at ?? result.started_at ?? new Date().toISOString()).slice(11, 19);
  let line = `${colors.dim(at)} ${nodeLabel(node, id)} ${statusText(result.state)}${details.length ? `  ${details.join(', ')}` : ''}`;
  if (result.state === 'waiting_approval' && node?.step.type === 'approval') {
    line += `\n    asks: ${node.step.message}\n    decide: syntra workflows approve ${runId} ${id}  (or reject; the approver needs ${node.step.approver_role ?? 'developer'} or above)`;
  }
  return line;
}

export async function watchWorkflowRun(api: Session, started: WorkflowRun, workflow: Workflow, options: RunWatchOptions): Promise<WorkflowRun> {
  const nodes = new Map(workflow.definition.nodes.map((node) => [node.id, node]));
  const seen = new Map<string, DagNodeResult>();
  const view = progressView(options.stream, takesEscapes(options.stream));
  const show = (run: WorkflowRun) => {
    // Definition order first, so parallel branches print in a stable order.
    const ids = [...new Set([...nodes.keys(), ...Object.keys(run.step_results)])];
    for (const id of ids) {
      const result = run.step_results[id];
      if (!result) continue;
      const line = changeLine(id, nodes.get(id), result, seen.get(id), run.id);
      seen.set(id, result);
      if (line) view.log(line);
    }
    const settled = Object.values(run.step_results).filter((result) => settledStates.has(result.state)).length;
    view.progress(`nodes ${settled}/${nodes.size}`, Math.round((settled / Math.max(nodes.size, 1)) * 100));
  };

  let detached = false;
  const onInterrupt = () => {
    detached = true;
  };
  process.on('SIGINT', onInterrupt);
  try {
    let run = started;
    for (;;) {
      show(run);
      if (finalStatuses.has(run.status)) return run;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      if (detached) {
        view.clear();
        process.stderr.write(`Stopped watching; run ${shortId(run.id)} goes on. \`syntra workflows runs ${options.workflowLabel}\` shows how it ends.\n`);
        throw new ExitWith(exitCodes.detached);
      }
      run = await api.call('getWorkflowRun', { params: { runId: run.id } });
    }
  } finally {
    view.clear();
    process.off('SIGINT', onInterrupt);
  }
}

/** The nodes that ended the run: failed ones nothing handled (no continue_on_error, no failure or always edge), else every failed or cancelled one. */
function culprits(run: WorkflowRun, workflow: Workflow): [string, DagNodeResult][] {
  const handled = (id: string) =>
    workflow.definition.nodes.find((node) => node.id === id)?.continue_on_error === true ||
    workflow.definition.edges.some((edge) => edge.from === id && (edge.on === 'failure' || edge.on === 'always'));
  const ended = Object.entries(run.step_results).filter(([, result]) => result.state === (run.status === 'cancelled' ? 'cancelled' : 'failed'));
  const unhandled = ended.filter(([id]) => !handled(id));
  return unhandled.length > 0 ? unhandled : ended;
}

/** The last line of a watch, and the exit code CI reads. */
export function reportRunOutcome(run: WorkflowRun, workflow: Workflow, workflowLabel: string, write: (line: string) => void): number {
  const took = seconds(run.started_at, run.finished_at);
  if (run.status === 'succeeded') {
    write(colors.green(`✓ ${workflowLabel}: run ${shortId(run.id)} succeeded${took ? ` in ${took}` : ''}`));
    return exitCodes.ok;
  }
  const nodes = culprits(run, workflow).map(([id, result]) => `node ${id} ${result.state}${result.error ? `: ${result.error.code}: ${result.error.message}` : ''}`);
  process.stderr.write(`syntra: ${workflowLabel}: run ${shortId(run.id)} ended ${run.status}${nodes.length ? `: ${nodes.join('; ')}` : ''}\n`);
  return exitCodes.runFailed;
}
