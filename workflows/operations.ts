import type { HealthCheckConfig } from '../contracts/index.js';
import type { OperationTarget } from './search-attributes.js';

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

/** What deploy and rollback workflows return: the deployment's final status. */
export interface DeployResult {
  deploymentId: string;
  status: 'running' | 'failed' | 'rolled_back' | 'cancelled';
  /** The deployment a failed one was rolled back with. */
  rollbackDeploymentId?: string;
}

/** Workflow ids from the resource, so Temporal Web and the API agree on which run is which. */
export const workflowIds = {
  serviceQueue: (serviceId: string) => `service-${serviceId}`,
  deploy: (deploymentId: string) => `deploy-${deploymentId}`,
  rollback: (deploymentId: string) => `rollback-${deploymentId}`,
  scale: (serviceId: string, operationId: string) => `scale-${serviceId}-${operationId}`,
  restart: (serviceId: string, operationId: string) => `restart-${serviceId}-${operationId}`,
  stop: (serviceId: string, operationId: string) => `stop-${serviceId}-${operationId}`,
  healthCheck: (serviceId: string, operationId: string) => `health-check-${serviceId}-${operationId}`,
};
