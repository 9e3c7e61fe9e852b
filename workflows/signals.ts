import { defineSignal } from '@temporalio/workflow';
import type { AgentDeploymentStatus } from '../contracts/index.js';
import type { ServiceOperation } from './operations.js';

/**
 * What the gateway forwards from agents: milestones of a rollout (each new `deploy_status`
 * status, not every progress line, which goes to PostgreSQL only) and command answers.
 */
export type AgentReport =
  | { kind: 'deploy_status'; deploymentId: string; status: AgentDeploymentStatus; error?: { code: string; message: string } }
  | { kind: 'command_response'; requestId: string; success: boolean; error?: { code: string; message: string } };

export const agentReportSignal = defineSignal<[AgentReport]>('agentReport');

/** Puts an operation at the end of a service's queue (sent with signalWithStart). */
export const enqueueOperationSignal = defineSignal<[ServiceOperation]>('enqueueOperation');
