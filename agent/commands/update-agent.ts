import { compareSemver, MINIMUM_AGENT_VERSION, type UpdateAgentPayload } from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import { AgentError } from '../errors.js';
import { installRelease } from '../release/self-update.js';
import { AGENT_VERSION } from '../version.js';

export interface UpdateResult {
  version: string;
  previous_version: string;
  sha256: string;
}

/**
 * `update_agent`: installs the release in place of the running bundle (release/self-update.ts
 * checks it first) and restarts into it. Each failure leaves the running agent untouched and
 * answers with its own code.
 */
export async function updateAgent(context: AgentContext, payload: UpdateAgentPayload): Promise<UpdateResult> {
  const release = context.release;
  if (!release) {
    throw new AgentError(
      'UPDATE_NOT_SUPPORTED',
      `This agent runs from source and cannot replace itself with release ${payload.version}; update it where it is installed`,
    );
  }
  if (compareSemver(payload.version, MINIMUM_AGENT_VERSION) < 0) {
    throw new AgentError('VERSION_NOT_SUPPORTED', `Release ${payload.version} is below ${MINIMUM_AGENT_VERSION}, the oldest supported agent`, {
      minimum: MINIMUM_AGENT_VERSION,
    });
  }
  await installRelease(release, payload);
  context.log.info({ from: AGENT_VERSION, to: payload.version }, 'agent updated; restarting into the new release');
  release.restart();
  return { version: payload.version, previous_version: AGENT_VERSION, sha256: payload.sha256 };
}
