import { condition, setHandler } from '@temporalio/workflow';
import { activities } from './activities.js';
import type { CommandOutcome } from '../contracts/operations.js';
import { agentReportSignal } from './signals.js';

/** How long an answer may take to be signalled before the workflow looks in the outbox itself. */
const outboxCheckIntervalMs = 10_000;
/** Time for a report to travel from the agent to the workflow after the agent's own timeout. */
const reportGraceSeconds = 30;

export interface AwaitedCommand {
  requestId: string;
  /** For a deploy: its `deploy_status` reports count as progress and as its outcome. */
  deploymentId?: string;
  /** The agent's own limit for the command: it must pick it up, then finish, within this. */
  timeoutSeconds: number;
}

/**
 * Collects what the gateway signals about this workflow's agent commands. Temporal does not
 * deduplicate signals, so reports are kept by command (first outcome wins) and repeats change
 * nothing.
 */
export function collectAgentReports() {
  const started = new Set<string>();
  const rolloutOutcomes = new Map<string, CommandOutcome>();
  const answers = new Map<string, CommandOutcome>();

  setHandler(agentReportSignal, (report) => {
    if (report.kind === 'command_response') {
      if (answers.has(report.requestId)) return;
      const error = report.error ?? { code: 'COMMAND_FAILED', message: 'The agent refused the command without saying why' };
      answers.set(report.requestId, report.success ? { ok: true } : { ok: false, error });
      return;
    }
    started.add(report.deploymentId);
    if (rolloutOutcomes.has(report.deploymentId)) return;
    if (report.status === 'running') rolloutOutcomes.set(report.deploymentId, { ok: true });
    if (report.status === 'failed' || report.status === 'rolled_back') {
      rolloutOutcomes.set(report.deploymentId, { ok: false, error: report.error ?? { code: 'DEPLOY_FAILED', message: 'The agent reported a failed rollout' } });
    }
  });

  const outcomeOf = (command: AwaitedCommand) =>
    answers.get(command.requestId) ?? (command.deploymentId ? rolloutOutcomes.get(command.deploymentId) : undefined);
  const startedOn = (command: AwaitedCommand) => command.deploymentId !== undefined && started.has(command.deploymentId);

  return {
    /**
     * Waits for the agent's outcome of a command already in the outbox. First the agent must pick
     * it up (it may be offline: it gets the command when it says hello again) within
     * `timeoutSeconds`, or the command is withdrawn and fails as undelivered. Once delivered, the
     * agent has `timeoutSeconds` (its own limit) plus a grace to report. Never waits longer.
     */
    async outcome(command: AwaitedCommand): Promise<CommandOutcome> {
      const timeoutMs = command.timeoutSeconds * 1000;
      let deliveredBy: number | null = null;
      const deliveryDeadline = Date.now() + timeoutMs;
      const markDelivered = () => {
        if (deliveredBy === null) deliveredBy = Date.now() + timeoutMs + reportGraceSeconds * 1000;
      };
      for (;;) {
        if (startedOn(command)) markDelivered();
        const known = outcomeOf(command);
        if (known) return known;
        const deadline = deliveredBy ?? deliveryDeadline;
        if (Date.now() >= deadline) {
          if (deliveredBy !== null) return timedOut(command);
          if (await activities.withdrawCommand(command.requestId)) return undelivered(command);
          markDelivered();
          continue;
        }
        const waitMs = Math.min(deadline - Date.now(), outboxCheckIntervalMs);
        const signalled = await condition(() => outcomeOf(command) !== undefined || (deliveredBy === null && startedOn(command)), waitMs);
        if (signalled) continue;
        const state = await activities.commandState(command.requestId);
        if (state.outcome && !answers.has(command.requestId)) answers.set(command.requestId, state.outcome);
        if (state.delivered) markDelivered();
      }
    },
  };
}

export type AgentReports = ReturnType<typeof collectAgentReports>;

function undelivered(command: AwaitedCommand): CommandOutcome {
  return {
    ok: false,
    error: {
      code: 'AGENT_UNREACHABLE',
      message: `The server's agent did not pick the command up within ${command.timeoutSeconds} s (is it offline?); the command was withdrawn`,
    },
  };
}

function timedOut(command: AwaitedCommand): CommandOutcome {
  return {
    ok: false,
    error: {
      code: 'TIMEOUT',
      message: `The agent received the command but reported no outcome within ${command.timeoutSeconds + reportGraceSeconds} s (it may have restarted or lost its connection)`,
    },
  };
}
