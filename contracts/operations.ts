import type {
  AgentDeploymentStatus,
  CancelBuildPayload,
  ConfigureHealthCheckPayload,
  HealthCheckConfig,
  RestartPayload,
  ScalePayload,
  StopPayload,
} from './index.js';

/*
 * Where operation workflows meet everything else, as in Temporal's TypeScript samples: what the
 * API starts them with, what they return, what agents report to them, and the activities they
 * call. Types only: these travel inside Temporal histories (a change here must stay readable by
 * runs in flight), and workflows/ imports nothing else but @temporalio/workflow.
 */

/** The resource an operation acts on. */
export interface OperationTarget {
  orgId: string;
  projectId: string;
  serviceId: string;
  serverId: string;
  deploymentId?: string;
}

/*
 * What each operation workflow is started with. Only ids and choices: activities read everything
 * else (the deployment's spec, the service, its secrets) when they need it, so a history holds no
 * secrets and a retried step sees the database as it is.
 */

export interface DeployInput {
  deploymentId: string;
  serviceId: string;
  serverId: string;
  rollbackOnFailure: boolean;
  timeoutSeconds: number;
  /** Set for a service built from source: the agent builds and pushes before the rollout. */
  build?: { timeoutSeconds: number };
}

export interface ScaleInput {
  serviceId: string;
  serverId: string;
  replicas: number;
}

export interface RestartInput {
  serviceId: string;
  serverId: string;
}

export interface StopInput {
  serviceId: string;
  serverId: string;
  /** Remove the containers and forget the service (a service being deleted), not only stop them. */
  removeContainers: boolean;
}

/** A check is no secret, and the change is queued in the transaction that saves it, in the order of those. */
export interface HealthCheckChangeInput {
  serviceId: string;
  serverId: string;
  healthCheck: HealthCheckConfig | null;
}

/** An operation waiting in a service's queue: which workflow to run, under which id, with what. */
export type ServiceOperation = { workflowId: string; target: OperationTarget } & (
  | { workflowType: 'deployService' | 'rollbackService'; input: DeployInput }
  | { workflowType: 'scaleService'; input: ScaleInput }
  | { workflowType: 'restartService'; input: RestartInput }
  | { workflowType: 'stopService'; input: StopInput }
  | { workflowType: 'applyHealthCheck'; input: HealthCheckChangeInput }
);

/** How an agent command ended, as the workflow sees it. */
export type CommandOutcome = { ok: true } | { ok: false; error: { code: string; message: string } };

/** How a build ended on the agent. */
export type BuildOutcome = { ok: true; digest: string; steps: number; cachedSteps: number } | { ok: false; error: { code: string; message: string } };

/** The build's activities; `runBuild` heartbeats while the agent builds, and is cancelled through it. */
export interface BuildActivities {
  /** queued → building; false when it is not queued any more (cancelled while it waited). */
  markBuilding(deploymentId: string): Promise<boolean>;
  runBuild(command: { deploymentId: string; requestId: string; timeoutSeconds: number }): Promise<BuildOutcome>;
}

/** What deploy and rollback workflows return: the deployment's final status. */
export interface DeployResult {
  deploymentId: string;
  status: 'running' | 'failed' | 'rolled_back' | 'cancelled';
  /** The deployment a failed one was rolled back with. */
  rollbackDeploymentId?: string;
}

/** The final status a deployment's workflow records. */
export type FinalDeploymentStatus = 'running' | 'failed' | 'rolled_back' | 'cancelled';

/**
 * What the gateway forwards from agents: milestones of a rollout (each new `deploy_status`
 * status, not every progress line, which goes to PostgreSQL only) and command answers.
 */
export type AgentReport =
  | { kind: 'deploy_status'; deploymentId: string; status: AgentDeploymentStatus; error?: { code: string; message: string } }
  | { kind: 'command_response'; requestId: string; success: boolean; error?: { code: string; message: string } };

/** A command a workflow sends to a service's agent, beside the deploy. */
export type ServiceCommand =
  | { type: 'cancel_build'; payload: CancelBuildPayload }
  | { type: 'scale'; payload: ScalePayload }
  | { type: 'restart'; payload: RestartPayload }
  | { type: 'stop'; payload: StopPayload }
  | { type: 'configure_health_check'; payload: ConfigureHealthCheckPayload };

export interface CommandState {
  /** The agent has it (sent, or already answered). */
  delivered: boolean;
  /** Its answer, if the gateway recorded one. */
  outcome: CommandOutcome | null;
}

/**
 * The activities the operation workflows call (activities/ implements them, workflows/activities.ts
 * proxies them). Each is a short PostgreSQL transaction, idempotent under retries.
 */
export interface OperationActivities {
  /** queued → deploying; false when it is not queued any more (cancelled while it waited). */
  markDeploying(deploymentId: string): Promise<boolean>;
  /** The deployment's final status; `running` also makes it the service's current deployment. */
  finishDeployment(change: { deploymentId: string; status: FinalDeploymentStatus; message: string; errorCode?: string }): Promise<void>;
  /** The deployment a failed one would return to, if any ran before it. */
  lastGoodDeployment(query: { serviceId: string; exceptId: string }): Promise<string | null>;
  /** A new deployment that redeploys `targetId`'s spec, for an automatic rollback of `failedId`. */
  createRollbackDeployment(rollback: { id: string; failedId: string; targetId: string; workflowId: string }): Promise<void>;
  /** Queues the `deploy` of a deployment's recorded spec on its service's server. */
  sendDeploy(command: { deploymentId: string; requestId: string }): Promise<void>;
  sendCommand(command: ServiceCommand & { serverId: string; expiresInSeconds: number }): Promise<void>;
  /** True when the agent had not received it yet, and now never will. */
  withdrawCommand(requestId: string): Promise<boolean>;
  /** What the outbox knows of a command, for an answer whose signal was lost. */
  commandState(requestId: string): Promise<CommandState>;
}
