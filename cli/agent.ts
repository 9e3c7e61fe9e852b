import { runAgent } from '../agent/main.js';
import { createLogger } from './logger.js';
import { onShutdown } from './lifecycle.js';
import { UsageError } from './usage-error.js';

export interface AgentArguments {
  /** From --url; SYNTRA_AGENT_URL when absent. */
  url: string | undefined;
  /** From --token; SYNTRA_AGENT_TOKEN when absent. */
  token: string | undefined;
  logLevel: string;
  /** Set by the release bundle's entry: the file it runs from, which updates replace. */
  bundlePath?: string;
}

/**
 * `syntra agent --url <control plane> --token <agent token>` (or SYNTRA_AGENT_URL and
 * SYNTRA_AGENT_TOKEN): the process the install command starts on each server. The token is
 * read once and never logged.
 */
export async function runAgentCommand(flags: AgentArguments): Promise<void> {
  const args = { ...flags, url: flags.url ?? process.env.SYNTRA_AGENT_URL, token: flags.token ?? process.env.SYNTRA_AGENT_TOKEN };
  const log = createLogger({ LOG_LEVEL: args.logLevel as 'info' }, 'agent');
  if (!args.url || !/^(https?|wss?):\/\//.test(args.url)) {
    throw new UsageError('syntra agent needs --url (or SYNTRA_AGENT_URL): the control plane, for example http://10.0.0.5:3000');
  }
  if (!args.token?.startsWith('syn_agt_')) {
    throw new UsageError('syntra agent needs --token (or SYNTRA_AGENT_TOKEN): the syn_agt_… token shown when the server was added');
  }
  const agent = await runAgent({ url: args.url, token: args.token, bundlePath: args.bundlePath, log });
  onShutdown(log, () => agent.stop());
}
