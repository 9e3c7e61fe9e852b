import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { searchAttributesOf } from '../../workflows/search-attributes.js';
import type { ServiceOperation } from '../../contracts/operations.js';
import { workflowIds } from '../../workflows/workflow-ids.js';
import type { serviceOperations } from '../../workflows/service-queue.js';
import { enqueueOperationSignal } from '../../workflows/signals.js';
import type { Platform } from '../platform.js';

/*
 * How durable operations reach Temporal. Every operation on a service goes through the service's
 * queue workflow (`service-<serviceId>`, see workflows/service-queue.ts), added with
 * signalWithStart: it starts the queue if none runs, and appends otherwise, atomically in
 * Temporal, so concurrent requests can never start two operations side by side.
 */

/** A Temporal client and the task queue the operation workflows run on. */
export interface OperationQueue {
  client: Client;
  taskQueue: string;
}

const queues = new WeakMap<Platform, OperationQueue>();

/** The platform's queue, made once per platform (one Temporal client per process). */
export function operationQueueOf(platform: Platform): OperationQueue {
  let queue = queues.get(platform);
  if (!queue) {
    queue = {
      client: new Client({ connection: platform.temporal.connection, namespace: platform.temporal.namespace }),
      taskQueue: platform.temporal.taskQueues.operations,
    };
    queues.set(platform, queue);
  }
  return queue;
}

export async function enqueueServiceOperation(queue: OperationQueue, operation: ServiceOperation): Promise<void> {
  const { serviceId } = operation.target;
  await queue.client.workflow.signalWithStart<typeof serviceOperations, [ServiceOperation]>('serviceOperations', {
    workflowId: workflowIds.serviceQueue(serviceId),
    taskQueue: queue.taskQueue,
    args: [{ serviceId, pending: [], recent: [] }],
    signal: enqueueOperationSignal,
    signalArgs: [operation],
    typedSearchAttributes: searchAttributesOf({ ...operation.target, deploymentId: undefined }, 'serviceOperations'),
  });
}

/** Requests cancellation of a running operation; false when no such workflow runs. */
export async function cancelWorkflow(queue: OperationQueue, workflowId: string): Promise<boolean> {
  try {
    await queue.client.workflow.getHandle(workflowId).cancel();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
