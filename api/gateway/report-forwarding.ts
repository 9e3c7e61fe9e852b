import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { CommandResponsePayload, DeployStatusPayload } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';
import { commandByRequestId, deployStatusWaiter, requeueUnansweredDeploys } from '../../db/queries/agent-commands.js';
import { recordAgentReport } from '../../db/queries/deployment-events.js';
import { agentReportSignal } from '../../workflows/signals.js';
import type { AgentReport } from '../../contracts/operations.js';
import type { AgentEvents } from './events.js';

/**
 * The bridge from agents to workflows. Every `deploy_status` is stored (deployment_events, which
 * notifies live views); a new rollout status (a milestone) and every `command_response` become an
 * `agentReport` signal on the workflow that sent the command, as its outbox row records it
 * (`agent_commands.workflow_id`; a deploy's row is found by its deployment). Progress lines are
 * not signalled: they would fill the workflow's history. Reports of one server are handled in
 * arrival order.
 *
 * A signal that cannot be sent is only logged: the command's answer is in the outbox, where the
 * waiting workflow looks for itself when no signal comes. When an agent goes away, its unanswered
 * deploys go back in the outbox, so an agent that restarted mid-deploy finishes them on its return.
 */
export function forwardAgentReports(events: AgentEvents, db: Kysely<Database>, client: Client, log: FastifyBaseLogger): { settled: () => Promise<void> } {
  const queues = new Map<string, Promise<void>>();
  const inOrder = (serverId: string, task: () => Promise<void>) => {
    const next = (queues.get(serverId) ?? Promise.resolve()).then(task).catch((error: unknown) => {
      log.warn({ err: error, serverId }, 'could not forward an agent report to its workflow');
    });
    queues.set(serverId, next);
    void next.then(() => queues.get(serverId) === next && queues.delete(serverId));
  };

  const signal = async (workflowId: string, report: AgentReport) => {
    try {
      await client.workflow.getHandle(workflowId).signal(agentReportSignal, report);
    } catch (error) {
      // A report arriving after its workflow ended (a repeat, or an answer to a timed-out command).
      if (error instanceof WorkflowNotFoundError) return log.debug({ workflowId }, 'agent report for a finished workflow');
      throw error;
    }
  };

  const onDeployStatus = (serverId: string, status: DeployStatusPayload) =>
    inOrder(serverId, async () => {
      const recorded = await recordAgentReport(db, serverId, status);
      if (!recorded?.milestone) return;
      const workflowId = await deployStatusWaiter(db, serverId, status.deployment_id);
      if (!workflowId) return;
      await signal(workflowId, {
        kind: 'deploy_status',
        deploymentId: status.deployment_id,
        status: status.status,
        ...(status.error ? { error: { code: status.error.code, message: status.error.message } } : {}),
      });
    });

  const onCommandResponse = (serverId: string, response: CommandResponsePayload) =>
    inOrder(serverId, async () => {
      const command = await commandByRequestId(db, response.request_id);
      // Only the server the command went to may answer it; a command the API sent itself has no workflow.
      if (command?.server_id !== serverId || !command.workflow_id) return;
      await signal(command.workflow_id, {
        kind: 'command_response',
        requestId: response.request_id,
        success: response.success,
        ...(response.success ? {} : { error: { code: response.error.code, message: response.error.message } }),
      });
    });

  // Deploys in flight when an agent goes away would otherwise end only by their timeout.
  const onServerOffline = (serverId: string) =>
    inOrder(serverId, async () => {
      const requeued = await requeueUnansweredDeploys(db, serverId);
      if (requeued > 0) log.info({ serverId, requeued }, 'unanswered deploys queued again for the agent');
    });

  events.on('deploy_status', onDeployStatus);
  events.on('command_response', onCommandResponse);
  events.on('server_offline', onServerOffline);
  /* Resolves once every report received so far is handled: what closing waits for before the database goes. */
  return { settled: async () => void (await Promise.allSettled([...queues.values()])) };
}
