import { defineSignal } from '@temporalio/workflow';
import type { AgentReport, ServiceOperation } from '../contracts/operations.js';

export const agentReportSignal = defineSignal<[AgentReport]>('agentReport');

/** Puts an operation at the end of a service's queue (sent with signalWithStart). */
export const enqueueOperationSignal = defineSignal<[ServiceOperation]>('enqueueOperation');
