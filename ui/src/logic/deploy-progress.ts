import type { Deployment, DeploymentEvent, DeploymentStatus } from '../../../contracts/api/resources.js';
import { DeploymentPhase } from '../../../contracts/websocket/deploy.js';

/*
 * What the service and deployment pages show of a rollout, folded from its events: the ones the
 * deployment detail returned, then each `deployment_event` socket.io delivers. Pure, so the same
 * events always draw the same progress, whatever order the REST read and the socket raced in.
 */

/** The agent's phases in the order it runs them, as the contract lists them. */
export const deployPhases: readonly DeploymentPhase[] = DeploymentPhase.options;

export const phaseLabels: Record<DeploymentPhase, string> = {
  pull_image: 'Pull image',
  stop_old: 'Stop old',
  create_container: 'Create container',
  start_container: 'Start container',
  configure_network: 'Configure network',
  health_check: 'Health check',
  cleanup: 'Clean up',
};

const finalStatuses: ReadonlySet<DeploymentStatus> = new Set(['running', 'failed', 'rolled_back', 'cancelled']);

export function isFinished(status: DeploymentStatus): boolean {
  return finalStatuses.has(status);
}

/**
 * The status a deployment history shows. A deployment stays `running` in the database after a
 * newer one replaces it (it did run, and rollback may return to it), but the service runs only its
 * current one: the others are shown as `superseded`.
 */
export function historyStatus(deployment: Pick<Deployment, 'id' | 'status'>, currentId: string | null): DeploymentStatus | 'superseded' {
  return deployment.status === 'running' && deployment.id !== currentId ? 'superseded' : deployment.status;
}

export type PhaseState = 'done' | 'current' | 'failed' | 'pending';

export interface DeployProgress {
  status: DeploymentStatus;
  percent: number;
  phase: DeploymentPhase | null;
  phases: { phase: DeploymentPhase; state: PhaseState }[];
  logs: string[];
  failure: { code: string | null; message: string } | null;
  finished: boolean;
}

/** Known events plus arriving ones, each once (by id), oldest first. */
export function mergeEvents(known: readonly DeploymentEvent[], arriving: readonly DeploymentEvent[]): DeploymentEvent[] {
  const byId = new Map(known.map((event) => [event.id, event]));
  for (const event of arriving) byId.set(event.id, event);
  return [...byId.values()].sort((a, b) => a.at.localeCompare(b.at));
}

/*
 * Each agent report carries its *recent* log lines, so consecutive reports overlap: a report's
 * lines are appended from where they stop repeating the tail already shown.
 */
export function appendLogLines(shown: readonly string[], recent: readonly string[]): string[] {
  for (let overlap = Math.min(shown.length, recent.length); overlap > 0; overlap -= 1) {
    const tail = shown.slice(shown.length - overlap);
    if (tail.every((line, index) => line === recent[index])) return [...shown, ...recent.slice(overlap)];
  }
  return [...shown, ...recent];
}

function isDeploymentStatus(status: DeploymentEvent['status']): status is DeploymentStatus {
  return status === 'queued' || status === 'building' || status === 'pushing' || status === 'deploying' || finalStatuses.has(status as DeploymentStatus);
}

/** The progress of a deployment whose REST status was `readStatus`, given all its events. */
export function deployProgress(readStatus: DeploymentStatus, events: readonly DeploymentEvent[]): DeployProgress {
  let status = readStatus;
  let percent = 0;
  let phase: DeploymentPhase | null = null;
  let logs: string[] = [];
  let failure: DeployProgress['failure'] = null;
  for (const event of events) {
    // The control plane owns the deployment's status; the agent's statuses describe one rollout.
    if (event.source === 'control_plane' && isDeploymentStatus(event.status)) status = event.status;
    if (event.phase) phase = event.phase;
    if (event.progress_percent !== null) percent = event.progress_percent;
    logs = appendLogLines(logs, event.logs);
    if (event.error_code) failure = { code: event.error_code, message: event.message };
  }
  // A later event may carry a status the REST read had not seen yet, never an earlier one.
  if (isFinished(readStatus) && !isFinished(status)) status = readStatus;
  if (status === 'running') percent = 100;
  if ((status === 'failed' || status === 'rolled_back') && !failure) {
    const last = [...events].reverse().find((event) => event.source === 'control_plane');
    failure = { code: null, message: last?.message ?? 'The deployment failed' };
  }
  const current = phase ? deployPhases.indexOf(phase) : -1;
  const failed = status === 'failed' || status === 'rolled_back' || status === 'cancelled';
  const phases = deployPhases.map((each, index): { phase: DeploymentPhase; state: PhaseState } => {
    if (status === 'running' || index < current) return { phase: each, state: 'done' };
    if (index === current) return { phase: each, state: failed ? 'failed' : 'current' };
    return { phase: each, state: 'pending' };
  });
  return { status, percent, phase, phases, logs, failure, finished: isFinished(status) };
}
