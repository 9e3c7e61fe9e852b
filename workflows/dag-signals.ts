import { defineSignal } from '@temporalio/workflow';
import type { ApprovalDecisionSignal } from '../contracts/dag.js';

/** An approval node's decision; the API checked the approver's role before sending it. */
export const approvalDecisionSignal = defineSignal<[ApprovalDecisionSignal]>('approvalDecision');
