import type { AgentDeploymentStatus, DeployPayload, DeploymentPhase, DeployStatusPayload } from '../../contracts/index.js';
import type { Replica } from '../runtime/containers.js';

/* Pull progress arrives many times a second; the control plane needs a few updates, not hundreds. */
const PROGRESS_REPORT_INTERVAL_MS = 500;

/** Where a replica answers: what a person (or a test) needs to reach it. */
export interface ReplicaEndpoint {
  container_id: string;
  replica: number;
  host_port: number | null;
}

/*
 * deploy_status with two fields the contract does not name: `endpoint` (the service's stable
 * 127.0.0.1 port, see docs/agent.md) and `replicas` (each container's published host port).
 * Readers on the control plane accept and strip unknown keys (tolerant reader), so older
 * control planes are unaffected.
 */
export type DeployStatusReport = DeployStatusPayload & {
  endpoint?: string;
  replicas?: ReplicaEndpoint[];
};

export function replicaEndpoints(replicas: readonly Replica[]): ReplicaEndpoint[] {
  return replicas.map((replica) => ({ container_id: replica.containerId, replica: replica.index, host_port: replica.hostPort }));
}

/**
 * Builds each deploy_status of one deployment. `status` is the furthest state the new version
 * reached (pulling → creating → starting → health_checking → running); `phase` is what the agent
 * is doing now, so stopping old replicas after the health check reads "health_checking / stop_old".
 * The percentage never goes backwards.
 */
export class DeployReporter {
  private status: AgentDeploymentStatus = 'pending';
  private phase: DeploymentPhase = 'pull_image';
  private percent = 0;
  private lastProgressReportAt = 0;
  readonly startedAt = new Date().toISOString();
  containerId: string | undefined;
  logs: string[] | undefined;
  endpoint: string | undefined;
  replicas: ReplicaEndpoint[] | undefined;

  constructor(
    private readonly payload: DeployPayload,
    private readonly report: (status: DeployStatusReport) => void,
  ) {}

  get currentPhase(): DeploymentPhase {
    return this.phase;
  }

  step(phase: DeploymentPhase, status: AgentDeploymentStatus | null, percent: number, message: string): void {
    this.phase = phase;
    if (status !== null) this.status = status;
    this.percent = Math.max(this.percent, Math.min(percent, 99));
    this.send({ message });
  }

  /** A throttled progress update within the current phase (pull events). */
  progress(percent: number, message: string): void {
    const rounded = Math.floor(percent);
    const now = Date.now();
    if (rounded <= this.percent || now - this.lastProgressReportAt < PROGRESS_REPORT_INTERVAL_MS) return;
    this.lastProgressReportAt = now;
    this.percent = Math.min(rounded, 99);
    this.send({ message });
  }

  succeed(message: string): DeployStatusReport {
    this.status = 'running';
    this.phase = 'cleanup';
    this.percent = 100;
    return this.send({ message, finished_at: new Date().toISOString() });
  }

  fail(error: { code: string; message: string }): DeployStatusReport {
    this.status = 'failed';
    return this.send({ message: error.message, finished_at: new Date().toISOString(), error });
  }

  private send(fields: Pick<DeployStatusReport, 'message' | 'finished_at' | 'error'>): DeployStatusReport {
    const status: DeployStatusReport = {
      deployment_id: this.payload.deployment_id,
      service_id: this.payload.service_id,
      status: this.status,
      phase: this.phase,
      progress_percent: this.percent,
      started_at: this.startedAt,
      ...fields,
      ...(this.containerId === undefined ? {} : { container_id: this.containerId }),
      ...(this.logs === undefined ? {} : { logs: this.logs }),
      ...(this.endpoint === undefined ? {} : { endpoint: this.endpoint }),
      ...(this.replicas === undefined ? {} : { replicas: this.replicas }),
    };
    this.report(status);
    return status;
  }
}
