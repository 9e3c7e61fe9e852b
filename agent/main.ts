import type { Logger } from 'pino';
import { AgentConnection } from './connection.js';
import type { AgentContext } from './context.js';
import { connectDocker } from './runtime/docker.js';
import { ServiceRegistry } from './runtime/service-registry.js';

export interface RunAgentOptions {
  /** The control plane's public URL, e.g. "https://syntra.example.com". */
  url: string;
  /** The agent token shown once when the server was registered. */
  token: string;
  /** The server's UUID, if known; otherwise the control plane names it in `hello_ack`. */
  serverId?: string;
  log: Logger;
}

export interface RunningAgent {
  context: AgentContext;
  stop(): Promise<void>;
}

/**
 * Starts the agent: takes back the services already running on this server (from their
 * container labels), then keeps a session with the control plane until `stop`.
 */
export async function runAgent(options: RunAgentOptions): Promise<RunningAgent> {
  const docker = connectDocker();
  const context: AgentContext = { docker, services: new ServiceRegistry(docker), log: options.log };
  await context.services.loadAll();
  const connection = new AgentConnection({ url: options.url, token: options.token, serverId: options.serverId, context });
  connection.start();
  return {
    context,
    async stop() {
      await connection.stop();
      await context.services.close();
    },
  };
}
