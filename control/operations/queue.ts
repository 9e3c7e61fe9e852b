import { randomUUID } from 'node:crypto';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { OperationTarget } from '../../workflows/search-attributes.js';
import { searchAttributesOf } from '../../workflows/search-attributes.js';
import type { ServiceOperation, StopInput } from '../../workflows/operations.js';
import { workflowIds } from '../../workflows/operations.js';
import type { serviceOperations } from '../../workflows/service-queue.js';
import { enqueueOperationSignal } from '../../workflows/signals.js';
import type { Platform } from '../platform.js';

/*
 * How the API starts durable operations. Every operation on a service goes through the service's
 * queue workflow (`service-<serviceId>`, see workflows/service-queue.ts), added with
 * signalWithStart: it starts the queue if none runs, and appends otherwise, atomically in
 * Temporal, so concurrent requests can never start two operations side by side.
 */

const clients = new WeakMap<Platform, Client>();

export function temporalClient(platform: Platform): Client {
  let client = clients.get(platform);
  if (!client) {
    client = new Client({ connection: platform.temporal.connection, namespace: platform.temporal.namespace });
    clients.set(platform, client);
  }
  return client;
}

export async function enqueueServiceOperation(platform: Platform, operation: ServiceOperation): Promise<void> {
  const { serviceId } = operation.target;
  await temporalClient(platform).workflow.signalWithStart<typeof serviceOperations, [ServiceOperation]>('serviceOperations', {
    workflowId: workflowIds.serviceQueue(serviceId),
    taskQueue: platform.temporal.taskQueues.operations,
    args: [{ serviceId, pending: [], recent: [] }],
    signal: enqueueOperationSignal,
    signalArgs: [operation],
    typedSearchAttributes: searchAttributesOf({ ...operation.target, deploymentId: undefined }, 'serviceOperations'),
  });
}

/**
 * Stops a service's containers on its server, behind whatever the service's queue already holds
 * (a deploy in flight finishes first). With `removeContainers` the agent also removes them and
 * forgets the service: what deleting a service calls. The workflow needs no service row, so the
 * row may be deleted right after this returns. Returns the stop's workflow id.
 */
export async function startStopWorkflow(platform: Platform, target: OperationTarget, options: Pick<StopInput, 'removeContainers'>): Promise<string> {
  const workflowId = workflowIds.stop(target.serviceId, randomUUID());
  await enqueueServiceOperation(platform, {
    workflowType: 'stopService',
    workflowId,
    target,
    input: { serviceId: target.serviceId, serverId: target.serverId, removeContainers: options.removeContainers },
  });
  return workflowId;
}

/** Requests cancellation of a running operation; false when no such workflow runs. */
export async function cancelOperation(platform: Platform, workflowId: string): Promise<boolean> {
  try {
    await temporalClient(platform).workflow.getHandle(workflowId).cancel();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
