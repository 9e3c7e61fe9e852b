import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  ApprovalDecisionSignal,
  DagActivities,
  DagNodeOutput,
  DagOperationStep,
  DagPlanNode,
  DagRunInput,
  DagRunResult,
  EdgeCondition,
} from '../contracts/dag.js';
import { activities } from './activities.js';
import { collectAgentReports } from './agent-reports.js';
import { approvalDecisionSignal } from './dag-signals.js';
import { resolveTemplates } from './dag-templates.js';
import { dagIds } from './workflow-ids.js';

/* Bookkeeping is a short PostgreSQL write: retried until the database answers. */
const bookkeeping = proxyActivities<DagActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2 },
});

/** How long an operation node waits for its deploy, restart… when the node sets no timeout. */
const operationTimeoutDefaultSeconds = 3600;
const httpTimeoutDefaultSeconds = 30;
/** Every channel of the rule, one after the other, each timing out after 10 s. */
const notifyTimeoutDefaultSeconds = 60;
/** An awaiting activity that stops heartbeating this long is retried (its worker died). */
const awaitHeartbeatSeconds = 30;

/**
 * Changes to the interpreter that change the commands it issues, behind `patched()` so a run that
 * started on the old code replays on the new (see "Upgrading the interpreter" in
 * docs/architecture.md). Never rename or reuse one.
 */
const patches = {
  /**
   * A node's step starts in the same workflow task as the write of its `running` state instead of
   * one activity round trip after it: histories from before wait for the write.
   */
  stepAlongsideRunningRecord: 'dag-step-alongside-running-record',
} as const;

/** A step's own attempt: one try, the node's retry policy is applied here, around it. */
function stepActivities(timeoutSeconds: number, heartbeat = false) {
  return proxyActivities<DagActivities>({
    startToCloseTimeout: timeoutSeconds * 1000,
    ...(heartbeat ? { heartbeatTimeout: awaitHeartbeatSeconds * 1000 } : {}),
    retry: { maximumAttempts: heartbeat ? 5 : 1 },
  });
}

/** Starting an operation is idempotent per activity (see startDagOperation), so a lost worker's try is retried. */
const operationStart = proxyActivities<DagActivities>({ startToCloseTimeout: 60_000, retry: { maximumAttempts: 5 } });

interface Outcome {
  state: 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  /** The edges out of the node this outcome takes. */
  takes: ReadonlySet<EdgeCondition>;
}

class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly output?: DagNodeOutput,
  ) {
    super(message);
  }
}

const failureOf = (error: unknown): StepFailure => {
  if (error instanceof StepFailure) return error;
  let cause: unknown = error;
  while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) return new StepFailure(cause.type ?? 'STEP_FAILED', cause.message);
  return new StepFailure('STEP_FAILED', cause instanceof Error ? cause.message : String(cause));
};

/**
 * One run of a definition version: every node whose incoming edges are all taken starts at once,
 * so independent branches run side by side; a node with an edge not taken is skipped, and so are
 * the nodes after it. A failure that no `failure`/`always` edge and no `continue_on_error` handles
 * fails the run: nothing new starts, what runs finishes. Cancelling the run cancels the nodes in
 * flight (an operation through `cancelDagOperation`) and records the rest cancelled.
 */
export async function runDag(input: DagRunInput): Promise<DagRunResult> {
  const { runId, plan } = input;
  const now = () => new Date().toISOString();
  const outcomes = new Map<string, Outcome>();
  const outputs = new Map<string, DagNodeOutput>();
  const decisions = new Map<string, ApprovalDecisionSignal>();
  const running = new Set<string>();
  const awaitingApproval = new Set<string>();
  let settledSinceLook = false;
  let unhandledFailure = false;
  const agentReports = collectAgentReports();
  setHandler(approvalDecisionSignal, (decision) => {
    if (!decisions.has(decision.nodeId)) decisions.set(decision.nodeId, decision);
  });

  const incoming = (id: string) => plan.edges.filter((edge) => edge.to === id);
  const handlesFailure = (node: DagPlanNode) => node.continueOnError || plan.edges.some((edge) => edge.from === node.id && edge.on !== 'success');
  const record = (node: DagPlanNode, change: Omit<Parameters<DagActivities['recordDagNode']>[0], 'runId' | 'nodeId' | 'at'>) =>
    bookkeeping.recordDagNode({ runId, nodeId: node.id, at: now(), ...change });

  async function approval(node: DagPlanNode & { step: { type: 'approval' } }): Promise<DagNodeOutput> {
    awaitingApproval.add(node.id);
    await record(node, { state: 'waiting_approval', attempts: 1 });
    if (awaitingApproval.size === 1) await bookkeeping.recordDagRun({ runId, status: 'waiting_approval', at: now() });
    try {
      const timeoutMs = node.step.timeout_seconds === undefined ? undefined : node.step.timeout_seconds * 1000;
      const decided = timeoutMs === undefined ? (await condition(() => decisions.has(node.id)), true) : await condition(() => decisions.has(node.id), timeoutMs);
      const onTimeout = node.step.on_timeout ?? 'reject';
      const decision = decided ? decisions.get(node.id)! : { decision: onTimeout, by: null, comment: 'timed out' };
      const output = { decision: decision.decision === 'approve' ? 'approved' : 'rejected', by: decision.by, comment: decision.comment ?? null };
      if (decision.decision === 'reject') throw new StepFailure(decided ? 'APPROVAL_REJECTED' : 'APPROVAL_TIMED_OUT', decided ? 'Rejected' : 'Nobody decided in time', output);
      return output;
    } finally {
      awaitingApproval.delete(node.id);
      if (awaitingApproval.size === 0) await CancellationScope.nonCancellable(() => bookkeeping.recordDagRun({ runId, status: 'running', at: now() }));
    }
  }

  async function operation(node: DagPlanNode, step: DagOperationStep): Promise<DagNodeOutput> {
    const handle = await operationStart.startDagOperation({ runId, nodeId: node.id, step });
    try {
      const result = await stepActivities(node.timeoutSeconds ?? operationTimeoutDefaultSeconds, true).awaitDagOperation(handle);
      if (!result.ok) throw new StepFailure(result.error?.code ?? 'OPERATION_FAILED', result.error?.message ?? 'The operation failed', result.output);
      return result.output;
    } catch (error) {
      if (isCancellation(error)) await CancellationScope.nonCancellable(() => bookkeeping.cancelDagOperation({ runId, handle }));
      throw error;
    }
  }

  async function exec(step: Extract<DagPlanNode['step'], { type: 'exec' }>, node: DagPlanNode): Promise<DagNodeOutput> {
    const { requestId, timeoutSeconds } = await stepActivities(60).startDagExec({ runId, nodeId: node.id, workflowId: workflowInfo().workflowId, step });
    try {
      const outcome = await agentReports.outcome({ requestId, timeoutSeconds });
      const result = await bookkeeping.finishDagExec({ requestId });
      if (result?.ok) return result.output;
      const error = result?.error ?? (outcome.ok ? undefined : outcome.error) ?? { code: 'EXEC_FAILED', message: 'The agent recorded no answer' };
      throw new StepFailure(error.code, error.message, result?.output);
    } catch (error) {
      // Not delivered yet: the agent never runs it. Docker cannot stop an exec already started.
      if (isCancellation(error)) await CancellationScope.nonCancellable(() => activities.withdrawCommand(requestId));
      throw error;
    }
  }

  /** One attempt of a node's step; throws a StepFailure (or a cancellation). */
  async function attempt(node: DagPlanNode): Promise<DagNodeOutput> {
    const step = resolveTemplates(node.step, outputs, input.inputs);
    switch (step.type) {
      case 'deploy':
      case 'rollback':
      case 'restart':
      case 'stop':
      case 'scale':
        return operation(node, step);
      case 'exec':
        return exec(step, node);
      case 'http_request':
        return stepActivities(node.timeoutSeconds ?? (step.timeout_seconds ?? httpTimeoutDefaultSeconds) + 5).sendDagHttpRequest({ runId, step });
      case 'notify':
        return stepActivities(node.timeoutSeconds ?? notifyTimeoutDefaultSeconds).sendDagNotification({ runId, nodeId: node.id, step });
      case 'wait':
        await sleep(step.seconds !== undefined ? step.seconds * 1000 : Math.max(0, Date.parse(step.until!) - Date.now()));
        return {};
      case 'approval':
        return approval({ ...node, step });
      case 'condition':
        return { result: holds(step.left, step.operator, step.right) };
      case 'run_workflow': {
        const child = await bookkeeping.openChildRun({ parentRunId: runId, nodeId: node.id, workflowId: step.workflow_id });
        const result = await executeChild(runDag, { workflowId: dagIds.run(child.runId), args: [child] });
        if (result.status !== 'succeeded') throw new StepFailure('CHILD_RUN_FAILED', `Run ${child.runId} ended ${result.status}`, { run_id: child.runId, status: result.status });
        return { run_id: child.runId, status: result.status };
      }
    }
  }

  async function runNode(node: DagPlanNode): Promise<Outcome> {
    let intervalMs = node.initialIntervalMs;
    for (let attempts = 1; ; attempts += 1) {
      // Never cancelled, so it has landed before any later state of the node is written over it.
      const recordedRunning = node.step.type === 'approval' ? Promise.resolve() : CancellationScope.nonCancellable(() => record(node, { state: 'running', attempts }));
      try {
        if (!patched(patches.stepAlongsideRunningRecord)) await recordedRunning;
        const output = await attempt(node);
        await recordedRunning;
        outputs.set(node.id, output);
        await record(node, { state: 'succeeded', attempts, output });
        const negative = node.step.type === 'condition' && output.result === false;
        return { state: 'succeeded', takes: new Set<EdgeCondition>([negative ? 'failure' : 'success', 'always']) };
      } catch (error) {
        await CancellationScope.nonCancellable(() => recordedRunning);
        if (isCancellation(error)) {
          await CancellationScope.nonCancellable(() => record(node, { state: 'cancelled', attempts }));
          return { state: 'cancelled', takes: new Set() };
        }
        const failure = failureOf(error);
        if (attempts < node.maxAttempts && !(failure.code.startsWith('APPROVAL_'))) {
          await record(node, { state: 'running', attempts, error: { code: failure.code, message: failure.message } });
          await sleep(intervalMs);
          intervalMs *= node.backoffCoefficient;
          continue;
        }
        if (failure.output) outputs.set(node.id, failure.output);
        await record(node, { state: 'failed', attempts, error: { code: failure.code, message: failure.message }, ...(failure.output ? { output: failure.output } : {}) });
        if (!handlesFailure(node)) unhandledFailure = true;
        return { state: 'failed', takes: new Set<EdgeCondition>(node.continueOnError ? ['failure', 'always', 'success'] : ['failure', 'always']) };
      }
    }
  }

  const start = (node: DagPlanNode) => {
    running.add(node.id);
    void runNode(node).then((outcome) => {
      outcomes.set(node.id, outcome);
      running.delete(node.id);
      settledSinceLook = true;
    });
  };

  /** Starts or skips every node whose sources have all settled; true when anything changed. */
  const advance = async (): Promise<void> => {
    for (let changed = true; changed; ) {
      changed = false;
      for (const node of plan.nodes) {
        if (outcomes.has(node.id) || running.has(node.id)) continue;
        const edges = incoming(node.id);
        if (!edges.every((edge) => outcomes.has(edge.from))) continue;
        if (!unhandledFailure && edges.every((edge) => outcomes.get(edge.from)!.takes.has(edge.on))) {
          start(node);
          continue;
        }
        outcomes.set(node.id, { state: 'skipped', takes: new Set() });
        await record(node, { state: 'skipped' });
        changed = true;
      }
    }
  };

  try {
    await bookkeeping.recordDagRun({ runId, status: 'running', at: now() });
    for (;;) {
      await advance();
      if (running.size === 0) break;
      await condition(() => settledSinceLook);
      settledSinceLook = false;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(async () => {
      await condition(() => running.size === 0);
      for (const node of plan.nodes) {
        if (outcomes.has(node.id)) continue;
        outcomes.set(node.id, { state: 'cancelled', takes: new Set() });
        await record(node, { state: 'cancelled' });
      }
      await bookkeeping.recordDagRun({ runId, status: 'cancelled', at: now() });
    });
    throw error;
  }
  const status = unhandledFailure ? 'failed' : 'succeeded';
  await bookkeeping.recordDagRun({ runId, status, at: now() });
  return { status };
}

function holds(left: string, operator: 'equals' | 'not_equals' | 'contains' | 'greater_than' | 'less_than', right: string): boolean {
  switch (operator) {
    case 'equals':
      return left === right;
    case 'not_equals':
      return left !== right;
    case 'contains':
      return left.includes(right);
    case 'greater_than':
      return Number(left) > Number(right);
    case 'less_than':
      return Number(left) < Number(right);
  }
}

/**
 * A Temporal Schedule's action: opens a run of the definition (trigger `schedule`) and runs it as
 * a child, so the run's workflow id is `dag-run-<runId>` whichever way it started.
 */
export async function scheduledDag(request: { workflowId: string }): Promise<DagRunResult | null> {
  const run = await bookkeeping.openScheduledRun(request);
  if (!run) return null;
  return executeChild(runDag, { workflowId: dagIds.run(run.runId), args: [run] });
}
