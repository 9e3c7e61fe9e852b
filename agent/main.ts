import type { Logger } from 'pino';
import { Builder } from './build/builder.js';
import type { BuildLimits } from './build/build-limits.js';
import { AgentConnection } from './connection.js';
import { relaunch } from './release/self-update.js';
import type { AgentContext } from './context.js';
import { messageOf } from './errors.js';
import { EdgeRouter, type EdgeOptions } from './edge/edge-router.js';
import { connectDocker } from './runtime/docker.js';
import { ServiceRegistry } from './runtime/service-registry.js';
import { AgentTelemetry } from './telemetry/agent-telemetry.js';

export interface RunAgentOptions {
  /** The control plane's public URL, e.g. "https://syntra.example.com". */
  url: string;
  /** The agent token shown once when the server was registered. */
  token: string;
  /** The server's UUID, if known; otherwise the control plane names it in `hello_ack`. */
  serverId?: string;
  /** The release bundle this process runs from, which `update_agent` may replace; absent when run from source. */
  bundlePath?: string;
  /** Telemetry collection (receivers, spool); off when absent. */
  telemetry?: {
    /** The agent's data directory; the spool lives in `<dataDir>/telemetry`. */
    dataDir: string;
    /** The receiver's bind address; default an address of this host that containers reach (runtime/container-host-address.ts). */
    host?: string | undefined;
    /** Default 4318. */
    port?: number | undefined;
    /** The bridge whose address containers reach the host at; default Docker's default bridge. */
    network?: string | undefined;
  };
  /** The HTTPS proxy for services' domains (Caddy); off when absent. */
  edge?: Omit<EdgeOptions, 'log'>;
  /**
   * Builds from source; the checkouts are kept under `directory` (default: the system's temp
   * folder); `limits` caps every build's CPU and memory (absent: builds are not capped).
   */
  builds?: { directory?: string | undefined; dockerCli?: string | undefined; limits?: BuildLimits };
  log: Logger;
}

export interface RunningAgent {
  context: AgentContext;
  /** `keepServing` leaves the HTTPS proxy serving every site for the next agent process to adopt. */
  stop(options?: { keepServing?: boolean }): Promise<void>;
}

/**
 * Starts the agent: keeps a session with the control plane until `stop`, and takes back the
 * services already running for its server (from their container labels).
 */
export async function runAgent(options: RunAgentOptions): Promise<RunningAgent> {
  const docker = connectDocker();
  const context: AgentContext = {
    docker,
    services: new ServiceRegistry(docker),
    log: options.log,
    builder: new Builder({ docker, directory: options.builds?.directory, dockerCli: options.builds?.dockerCli, limits: options.builds?.limits }),
  };
  if (options.telemetry) {
    // Without its receiver (the port is taken, the data dir unwritable) the agent still deploys and supervises.
    context.telemetry = await AgentTelemetry.start({ ...options.telemetry, docker, services: context.services, log: options.log, agentToken: options.token }).catch(
      (error: unknown) => {
        options.log.error(`telemetry is off: ${messageOf(error)}`);
        return undefined;
      },
    );
  }
  if (options.edge) {
    // Without Caddy the agent still deploys: services answer on their endpoints, domains do not route.
    context.edge = await EdgeRouter.start({ ...options.edge, log: options.log }).catch((error: unknown) => {
      options.log.error(`the HTTPS proxy is off: ${messageOf(error)}`);
      return undefined;
    });
  }
  const { bundlePath } = options;
  if (bundlePath) {
    // Deferred so the update's command_response is sent before the session closes.
    // The new version adopts the running Caddy: an update drops no site's connections.
    context.release = { path: bundlePath, restart: () => setImmediate(() => void stop({ keepServing: true }).finally(() => relaunch(bundlePath))) };
  }
  // A known server takes its services back now; otherwise the first hello_ack names the server.
  if (options.serverId) {
    await context.services.attach(options.serverId);
    await context.edge?.sync(context.services);
  }
  const connection = new AgentConnection({ url: options.url, token: options.token, serverId: options.serverId, context });
  connection.start();
  async function stop(options: { keepServing?: boolean } = {}) {
    context.builder?.close();
    await connection.stop();
    await context.telemetry?.stop();
    await (options.keepServing ? context.edge?.detach() : context.edge?.stop());
    await context.services.close();
  }
  return { context, stop };
}
