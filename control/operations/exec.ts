import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import {
  EXEC_OUTPUT_SHOWN_MAX_BYTES,
  EXEC_TIMEOUT_DEFAULT_SECONDS,
  ExecResponseData,
  type CommandResponsePayload,
  type ExecPayload,
  type ExecRequest,
  type ExecResult,
} from '../../contracts/index.js';
import type { Database, JsonValue } from '../../db/postgres/database.js';
import { enqueueAgentCommand } from '../../db/queries/agent-commands.js';
import { abandonUnansweredCommand, condenseCommandResponse } from '../../db/queries/command-answers.js';
import { serverById } from '../../db/queries/servers.js';
import { serviceById } from '../../db/queries/services.js';
import { type AuditOrigin, recordAudit } from '../audit.js';
import { type Caller, scopeOf } from '../caller.js';
import type { CommandAnswers } from './command-answers.js';
import { ApiProblem } from '../problem.js';

/* Beyond the command's own timeout: for the command to reach the agent and its answer to come back. */
const answerGraceSeconds = 15;

export interface ExecDeps {
  db: Kysely<Database>;
  answers: CommandAnswers;
}

/**
 * Runs one command in a running replica of a service and returns how it ended. Unlike deploys
 * and restarts it is not queued behind the service's operations: it changes nothing the
 * control plane tracks, and the caller is waiting. It still travels through the outbox, so it
 * reaches the agent whichever API process holds its socket; the request is audited with its
 * command before it is sent. The output is handed to the caller and not kept in the outbox.
 */
export async function execInService(deps: ExecDeps, request: FastifyRequest, caller: Caller, serviceId: string, body: ExecRequest): Promise<ExecResult> {
  const { db, answers } = deps;
  const queued = await queueExec(db, request, caller, serviceId, body);
  const { requestId, waitSeconds } = queued;
  const answer = (await answers.wait(requestId, waitSeconds * 1000)) ?? ((await abandonUnansweredCommand(db, requestId)) ? null : await answers.recorded(requestId));
  if (!answer) {
    throw new ApiProblem(
      'SERVICE_UNAVAILABLE',
      `The agent of server ${queued.serverName} did not answer within ${waitSeconds} s. If the command reached it, it may still be running in the container: Docker cannot stop a process started by exec`,
      { details: { request_id: requestId } },
    );
  }
  return execResultOf(db, answer);
}

/**
 * Checks that the service runs on a server that is online, audits the command and puts it in the
 * outbox, where it expires with the wait. A workflow that waits for the answer is named
 * (`workflowId`), so the gateway signals it the agent's `command_response`.
 */
export async function queueExec(
  db: Kysely<Database>,
  origin: AuditOrigin,
  caller: Caller,
  serviceId: string,
  body: ExecRequest,
  options: { workflowId?: string } = {},
): Promise<{ requestId: string; timeoutSeconds: number; waitSeconds: number; serverName: string }> {
  const service = await serviceById(db, scopeOf(caller), serviceId);
  if (!service) throw new ApiProblem('NOT_FOUND', `No service ${serviceId} in this organization`);
  if (!service.current_deployment_id) throw new ApiProblem('UNPROCESSABLE', 'The service has never been deployed, so no container runs to run a command in');
  const server = await serverById(db, { orgId: caller.orgId }, service.server_id);
  if (server?.status !== 'online') {
    throw new ApiProblem('SERVICE_UNAVAILABLE', `Server ${server?.name ?? service.server_id} is ${server?.status ?? 'gone'}: its agent cannot run a command now`);
  }

  const timeoutSeconds = body.timeout_seconds ?? EXEC_TIMEOUT_DEFAULT_SECONDS;
  const waitSeconds = timeoutSeconds + answerGraceSeconds;
  const payload: ExecPayload = {
    request_id: `exec-${randomUUID()}`,
    service_id: service.id,
    command: body.command,
    ...(body.working_dir === undefined ? {} : { working_dir: body.working_dir }),
    timeout_seconds: timeoutSeconds,
    interactive: false,
  };
  const requestId = payload.request_id;
  await db.transaction().execute(async (trx) => {
    await recordAudit(trx, origin, caller, {
      action: 'service.exec',
      resourceType: 'service',
      resourceId: service.id,
      details: { command: body.command, working_dir: body.working_dir ?? null, request_id: requestId },
    });
    // It expires with the wait: an agent that comes back later must not run what was reported as failed.
    await enqueueAgentCommand(trx, {
      serverId: service.server_id,
      requestId,
      type: 'exec',
      payload,
      expiresAt: new Date(Date.now() + waitSeconds * 1000),
      ...(options.workflowId === undefined ? {} : { workflowId: options.workflowId }),
    });
  });
  return { requestId, timeoutSeconds, waitSeconds, serverName: server.name };
}

/** The answer as the caller sees it; the outbox keeps only how it ended. */
export async function execResultOf(db: Kysely<Database>, answer: CommandResponsePayload): Promise<ExecResult> {
  await condenseCommandResponse(db, answer.request_id, condensed(answer));
  return outcomeOf(answer);
}

/** What the outbox keeps of an exec's answer: how it ended, not what it printed. */
function condensed(answer: CommandResponsePayload): JsonValue {
  if (!answer.success) return { request_id: answer.request_id, success: false, error: { code: answer.error.code, message: answer.error.message } };
  const ran = ExecResponseData.safeParse(answer.data);
  return { request_id: answer.request_id, success: true, data: ran.success ? { exit_code: ran.data.exit_code } : null };
}

function outcomeOf(answer: CommandResponsePayload): ExecResult {
  if (!answer.success) {
    // EXEC_TIMEOUT carries what the command printed before it was given up on.
    const partial = ExecResponseData.omit({ exit_code: true }).safeParse(answer.error.details);
    const output = partial.success ? shownOutput(partial.data.stdout, partial.data.stderr) : {};
    throw new ApiProblem('UNPROCESSABLE', `The agent could not run the command: ${answer.error.message}`, {
      details: { agent_error: answer.error.code, ...output },
    });
  }
  const ran = ExecResponseData.safeParse(answer.data);
  if (!ran.success) throw new Error(`The agent's answer to ${answer.request_id} is not an exec result`);
  return { exit_code: ran.data.exit_code, ...shownOutput(ran.data.stdout, ran.data.stderr) };
}

function shownOutput(stdout: string, stderr: string) {
  const [out, err] = [lastBytes(stdout, EXEC_OUTPUT_SHOWN_MAX_BYTES), lastBytes(stderr, EXEC_OUTPUT_SHOWN_MAX_BYTES)];
  return { stdout: out.text, stderr: err.text, truncated: out.cut || err.cut };
}

/** The end of `text` in at most `maxBytes` of UTF-8, starting on a whole character. */
export function lastBytes(text: string, maxBytes: number): { text: string; cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, cut: false };
  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start += 1;
  return { text: bytes.subarray(start).toString('utf8'), cut: true };
}
