import type { DagNodeState, WorkflowRunStatus } from './api/automation.js';
import type { DagStep, EdgeCondition } from './api/dag-definition.js';

export type { EdgeCondition };

/*
 * Where the DAG interpreter (workflows/dag-run.ts) meets everything else: the compiled plan it is
 * started with, the approval signal, and the activities it calls. Types only, like
 * operations.ts: they travel inside Temporal histories, so a change must stay readable by runs
 * in flight.
 */

/** One node as the interpreter runs it: its step and its options, defaults filled in. */
export interface DagPlanNode {
  id: string;
  step: DagStep;
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  /** For one attempt of an activity step; undefined: the step's default. */
  timeoutSeconds?: number;
  continueOnError: boolean;
}

/** A definition version compiled for a run: nodes in an order where each comes after its sources. */
export interface DagPlan {
  version: number;
  nodes: DagPlanNode[];
  edges: { from: string; to: string; on: EdgeCondition }[];
}

export interface DagRunInput {
  runId: string;
  plan: DagPlan;
  inputs: Record<string, string>;
}

export interface DagRunResult {
  status: Extract<WorkflowRunStatus, 'succeeded' | 'failed' | 'cancelled'>;
}

/** An approver's decision, signalled to the run by the API after it checked who decides. */
export interface ApprovalDecisionSignal {
  nodeId: string;
  decision: 'approve' | 'reject';
  /** The user id of who decided. */
  by: string;
  comment?: string;
}

export type DagNodeOutput = Record<string, string | number | boolean | null>;

export interface DagNodeChange {
  runId: string;
  nodeId: string;
  state: DagNodeState;
  /** Workflow time of the change, ISO. */
  at: string;
  attempts?: number;
  output?: DagNodeOutput;
  error?: { code: string; message: string };
}

/** What an operation step started: the deployment (deploy, rollback) and the workflow to wait for. */
export interface DagOperationHandle {
  /** null: nothing to wait for (a scale of a service never deployed changes only its row). */
  workflowId: string | null;
  deploymentId?: string;
}

export type DagOperationStep = Extract<DagStep, { type: 'deploy' | 'rollback' | 'restart' | 'stop' | 'scale' }>;

export interface DagActivities {
  /** Writes a node's state into `workflow_runs.step_results` and tells the run's live room. */
  recordDagNode(change: DagNodeChange): Promise<void>;
  recordDagRun(change: { runId: string; status: WorkflowRunStatus; at: string }): Promise<void>;
  /** Starts an operation through the service's queue, as the run's actor. */
  startDagOperation(request: { runId: string; nodeId: string; step: DagOperationStep }): Promise<DagOperationHandle>;
  /** Waits (heartbeating) for the operation to end; its outcome as the node's output. */
  awaitDagOperation(handle: DagOperationHandle): Promise<{ ok: boolean; output: DagNodeOutput; error?: { code: string; message: string } }>;
  /** Cancels an operation in flight, the way `POST /deployments/:id/cancel` does. */
  cancelDagOperation(request: { runId: string; handle: DagOperationHandle }): Promise<void>;
  /** Audits an `exec` step as the run's actor and puts it in the outbox, naming this run as the waiter. */
  startDagExec(request: { runId: string; nodeId: string; workflowId: string; step: Extract<DagStep, { type: 'exec' }> }): Promise<{ requestId: string; timeoutSeconds: number }>;
  /** The agent's recorded answer to an `exec` step, its output cut for the run; null: none recorded. */
  finishDagExec(request: { requestId: string }): Promise<{ ok: boolean; output: DagNodeOutput; error?: { code: string; message: string } } | null>;
  sendDagHttpRequest(request: { runId: string; step: Extract<DagStep, { type: 'http_request' }> }): Promise<DagNodeOutput>;
  /** Sends a `notify` step's message through every channel of its alert rule; fails if one fails. */
  sendDagNotification(request: { runId: string; nodeId: string; step: Extract<DagStep, { type: 'notify' }> }): Promise<DagNodeOutput>;
  /** Opens a child run of another definition for a `run_workflow` step. */
  openChildRun(request: { parentRunId: string; nodeId: string; workflowId: string }): Promise<DagRunInput>;
  /** Opens a run for a schedule's fire; null when the definition is gone or inactive. */
  openScheduledRun(request: { workflowId: string }): Promise<DagRunInput | null>;
}
