import type { ExecPayload, ExecResponseData } from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import { AgentError } from '../errors.js';
import { runInContainer } from '../runtime/exec.js';

/**
 * Runs a command in the service's first running replica of its current deployment and returns
 * exit code, stdout and stderr. `interactive` sessions need a stdin/resize channel that the
 * protocol does not have, so they are refused rather than run half-working.
 */
export async function execInService(context: AgentContext, payload: ExecPayload): Promise<ExecResponseData> {
  if (payload.interactive) {
    throw new AgentError(
      'INTERACTIVE_NOT_SUPPORTED',
      'Interactive sessions need a bidirectional stream the agent protocol does not carry; send the command with interactive: false',
    );
  }
  const state = await context.services.load(payload.service_id);
  const running = (await context.services.replicas(payload.service_id)).filter((replica) => replica.running);
  const target = running.find((replica) => replica.deploymentId === state.spec.deployment_id) ?? running[0];
  if (!target) throw new AgentError('CONTAINER_NOT_FOUND', `No replica of service ${payload.service_id} is running`);
  return runInContainer(context.docker, target.containerId, {
    command: payload.command,
    workingDir: payload.working_dir,
    env: payload.env,
    timeoutSeconds: payload.timeout_seconds,
  });
}
