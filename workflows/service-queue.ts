import {
  condition,
  continueAsNew,
  executeChild,
  log,
  ParentClosePolicy,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ServiceOperation } from '../contracts/operations.js';
import { searchAttributesOf } from './search-attributes.js';
import { enqueueOperationSignal } from './signals.js';

/** The queue ends when idle this long; the next operation starts it again (signalWithStart). */
const idleBeforeExitMs = 5 * 60_000;
/** Operation ids remembered to drop a repeated enqueue (an API retry): enough for any burst. */
const rememberedOperations = 200;

export interface ServiceQueueState {
  serviceId: string;
  pending: ServiceOperation[];
  recent: string[];
}

/**
 * `service-<serviceId>`: the one place a service's operations run, one at a time, first come
 * first served. The API adds each operation with signalWithStart, so two deploys fired at once
 * queue one behind the other and never race on the agent. Each operation is a child workflow
 * with its own id (`deploy-<deploymentId>` …), visible and cancellable on its own; a failed or
 * cancelled one lets the next start.
 */
export async function serviceOperations(state: ServiceQueueState): Promise<void> {
  const pending = [...state.pending];
  const recent = [...state.recent];
  setHandler(enqueueOperationSignal, (operation) => {
    if (recent.includes(operation.workflowId)) return;
    recent.push(operation.workflowId);
    if (recent.length > rememberedOperations) recent.shift();
    pending.push(operation);
  });

  for (;;) {
    if (!(await condition(() => pending.length > 0, idleBeforeExitMs))) return;
    const operation = pending.shift()!;
    try {
      await executeChild(operation.workflowType, {
        workflowId: operation.workflowId,
        args: [operation.input],
        typedSearchAttributes: searchAttributesOf(operation.target, operation.workflowType),
        // A queue ended by hand must not take a half-done deploy with it.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (error) {
      // The operation recorded its own failure; the queue moves on.
      log.warn('service operation failed', { workflowId: operation.workflowId, error: String(error) });
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof serviceOperations>({ serviceId: state.serviceId, pending, recent });
  }
}
