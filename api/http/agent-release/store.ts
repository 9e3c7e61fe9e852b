import path from 'node:path';
import { AGENT_VERSION } from '../../../agent/version.js';
import type { AgentBundle } from '../../../agent/release/bundle.js';

/**
 * The agent release this control plane hands out (install script, `update_agent`): built from
 * the sources it ships with, once per process and on first use, into its data folder.
 */
export class AgentReleaseStore {
  private building: Promise<AgentBundle> | null = null;

  constructor(private readonly dataDir: string) {}

  current(): Promise<AgentBundle> {
    this.building ??= this.build();
    return this.building;
  }

  private async build(): Promise<AgentBundle> {
    // esbuild is loaded only when an agent is first installed or updated.
    const { buildAgentBundle } = await import('../../../agent/release/bundle.js');
    try {
      return await buildAgentBundle(path.join(this.dataDir, 'agent-releases', `syntra-agent-${AGENT_VERSION}.mjs`), AGENT_VERSION);
    } catch (error) {
      this.building = null;
      throw error;
    }
  }
}
