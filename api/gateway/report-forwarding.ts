import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { CommandResponsePayload, DeployStatusPayload } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';
import { commandByRequestId, deployStatusWaiter, recordCommandResponse, requeueUnansweredDeploys } from '../../db/queries/agent-commands.js';
import { recordAgentReport } from '../../db/queries/deployment-events.js';
import { agentReportSignal } from '../../workflows/signals.js';
import type { AgentReport } from '../../contracts/operations.js';
import type { AgentEvents } from './events.js';

/** What an agent's session hands its reports to; each resolves once the report is durably handled. */
export interface AgentReportForwarding {
  deployStatus(serverId: string, reportId: string, status: DeployStatusPayload): Promise<void>;
  commandResponse(serverId: string, response: CommandResponsePayload): Promise<void>;
  /** Resolves once every report received so far is handled: what closing waits for before the database goes. */
  settled(): Promise<void>;
}

/**
 * The bridge from agents to workflows. Every `deploy_status` is stored (deployment_events, which
 * notifies live views); a new rollout status (a milestone) and every `command_response` (stored
 * in the outbox row) become an `agentReport` signal on the workflow that sent the command, as its
 * outbox row records it (`agent_commands.workflow_id`; a deploy's row is found by its deployment).
 * Progress lines are not signalled: they would fill the workflow's history. Reports of one server
 * are handled in arrival order, and each promise settles when its report is stored and signalled:
 * only then does the session acknowledge it (`report_ack`), so a report whose process dies half-way
 * comes back from the agent.
 *
 * A repeat is harmless: the outbox keeps a command's first answer, a `deploy_status` is stored
 * once by its envelope id, and both (a status only if a milestone) are signalled again, since the
 * first delivery may have died between storing and signalling; the workflow keeps the first outcome of each command
 * (workflows/agent-reports.ts). A signal that fails for another reason fails the report, which
 * the agent then sends again; meanwhile the waiting workflow finds a stored answer in the outbox itself.
 * When an agent goes away, its unanswered deploys go back in the outbox, so an agent that
 * restarted mid-deploy finishes them on its return.
 */
export function forwardAgentReports(events: AgentEvents, db: Kysely<Database>, client: Client, log: FastifyBaseLogger): AgentReportForwarding {
  const queues = new Map<string, Promise<void>>();
  const inOrder = (serverId: string, task: () => Promise<void>): Promise<void> => {
    const handled = (queues.get(serverId) ?? Promise.resolve()).then(task);
    const next = handled.catch((error: unknown) => {
      log.warn({ err: error, serverId }, 'could not forward an agent report to its workflow');
    });
    queues.set(serverId, next);
    void next.then(() => queues.get(serverId) === next && queues.delete(serverId));
    return handled;
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

  const deployStatus = (serverId: string, reportId: string, status: DeployStatusPayload) =>
    inOrder(serverId, async () => {
      const recorded = await recordAgentReport(db, serverId, status, reportId);
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

  const commandResponse = (serverId: string, response: CommandResponsePayload) =>
    inOrder(serverId, async () => {
      await recordCommandResponse(db, serverId, response.request_id, response);
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
  events.on('server_offline', (serverId: string) => {
    inOrder(serverId, async () => {
      const requeued = await requeueUnansweredDeploys(db, serverId);
      if (requeued > 0) log.info({ serverId, requeued }, 'unanswered deploys queued again for the agent');
    }).catch(() => undefined); // logged by inOrder
  });

  return { deployStatus, commandResponse, settled: async () => void (await Promise.allSettled([...queues.values()])) };
}
