import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { CommandResponsePayload } from '../contracts/index.js';
import { isAllowed } from '../contracts/api/permissions.js';
import type { DagActivities } from '../contracts/dag.js';
import { actorOfRun } from '../control/dag/run-actor.js';
import { execResultOf, lastBytes, queueExec } from '../control/operations/exec.js';
import { ApiProblem } from '../control/problem.js';
import type { Database } from '../db/postgres/database.js';
import { commandByRequestId } from '../db/queries/agent-commands.js';

/** Each of stdout and stderr an `exec` node keeps (its end): it travels in the run's history. */
export const DAG_EXEC_OUTPUT_KEPT_MAX_BYTES = 16 * 1024;

/*
 * `exec` steps: the command goes through the outbox like `POST /services/:id/exec`, audited as the
 * run's actor, but the run waits for the answer itself (the gateway signals it the agent's
 * `command_response`), since a worker has no API notification listener to wait on.
 */
export function dagExecActivities(db: Kysely<Database>): Pick<DagActivities, 'startDagExec' | 'finishDagExec'> {
  return {
    async startDagExec({ runId, nodeId, workflowId, step }) {
      const actor = await actorOfRun(db, runId, nodeId);
      if (!isAllowed(actor.caller, 'exec')) {
        throw ApplicationFailure.nonRetryable(`The run acts as a ${actor.caller.role}, who may not run commands in services`, 'FORBIDDEN');
      }
      const { service_id: serviceId, type: _type, ...body } = step;
      try {
        const queued = await queueExec(db, actor.origin, actor.caller, serviceId, body, { workflowId });
        return { requestId: queued.requestId, timeoutSeconds: queued.timeoutSeconds };
      } catch (error) {
        if (error instanceof ApiProblem) throw ApplicationFailure.nonRetryable(error.message, error.code);
        throw error;
      }
    },

    async finishDagExec({ requestId }) {
      const row = await commandByRequestId(db, requestId);
      const answer = row?.response === null || row === undefined ? undefined : CommandResponsePayload.safeParse(row.response);
      if (!answer?.success) return null;
      try {
        const result = await execResultOf(db, answer.data);
        const [stdout, stderr] = [lastBytes(result.stdout, DAG_EXEC_OUTPUT_KEPT_MAX_BYTES), lastBytes(result.stderr, DAG_EXEC_OUTPUT_KEPT_MAX_BYTES)];
        const output = { exit_code: result.exit_code, stdout: stdout.text, stderr: stderr.text };
        if (result.exit_code === 0) return { ok: true, output };
        return { ok: false, output, error: { code: 'EXEC_EXIT_CODE', message: `The command exited with ${result.exit_code}` } };
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
        const agentError = (error.options?.details as { agent_error?: string } | undefined)?.agent_error;
        return { ok: false, output: {}, error: { code: agentError ?? error.code, message: error.message } };
      }
    },
  };
}
