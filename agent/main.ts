import type { Logger } from 'pino';
import { AgentConnection } from './connection.js';
import { relaunch } from './release/self-update.js';
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
  /** The release bundle this process runs from, which `update_agent` may replace; absent when run from source. */
  bundlePath?: string;
  log: Logger;
}

export interface RunningAgent {
  context: AgentContext;
  stop(): Promise<void>;
}

/**
 * Starts the agent: keeps a session with the control plane until `stop`, and takes back the
 * services already running for its server (from their container labels).
 */
export async function runAgent(options: RunAgentOptions): Promise<RunningAgent> {
  const docker = connectDocker();
  const context: AgentContext = { docker, services: new ServiceRegistry(docker), log: options.log };
  const { bundlePath } = options;
  if (bundlePath) {
    // Deferred so the update's command_response is sent before the session closes.
    context.release = { path: bundlePath, restart: () => setImmediate(() => void stop().finally(() => relaunch(bundlePath))) };
  }
  // A known server takes its services back now; otherwise the first hello_ack names the server.
  if (options.serverId) await context.services.attach(options.serverId);
  const connection = new AgentConnection({ url: options.url, token: options.token, serverId: options.serverId, context });
  connection.start();
  async function stop() {
    await connection.stop();
    await context.services.close();
  }
  return { context, stop };
}
