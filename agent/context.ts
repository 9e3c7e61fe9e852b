import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { EdgeRouter } from './edge/edge-router.js';
import type { Builder } from './build/builder.js';
import type { AgentRelease } from './release/self-update.js';
import type { ServiceRegistry } from './runtime/service-registry.js';
import type { AgentTelemetry } from './telemetry/agent-telemetry.js';

/*
 * Composes the parts below it (runtime, release, telemetry, edge) and is imported only by what sits
 * above them: commands, the supervisor, the connection and main. A part below that speaks to the
 * control plane imports outbound.ts, never this file, so no import goes round in a circle.
 */

/** What every command handler works with: the Docker Engine, the agent's service memory, a logger. */
export interface AgentContext {
  docker: Docker;
  services: ServiceRegistry;
  log: Logger;
  /** Set when the agent runs from a release bundle, which `update_agent` can replace. */
  release?: AgentRelease;
  /** Set when the agent collects telemetry (receivers, spool, container logs and metrics). */
  telemetry?: AgentTelemetry;
  /** Set when the agent runs the server's HTTPS proxy (Caddy) for services' domains. */
  edge?: EdgeRouter;
  /** Set when the agent builds images from source (`syntra agent` always; bare test contexts may not). */
  builder?: Builder;
}
