import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { AgentMessage } from '../contracts/index.js';
import type { AgentRelease } from './release/self-update.js';
import type { ServiceRegistry } from './runtime/service-registry.js';
import type { AgentTelemetry } from './telemetry/agent-telemetry.js';

/** What every command handler works with: the Docker Engine, the agent's service memory, a logger. */
export interface AgentContext {
  docker: Docker;
  services: ServiceRegistry;
  log: Logger;
  /** Set when the agent runs from a release bundle, which `update_agent` can replace. */
  release?: AgentRelease;
  /** Set when the agent collects telemetry (receivers, spool, container logs and metrics). */
  telemetry?: AgentTelemetry;
}

type WithoutEnvelope<Message> = Message extends unknown ? Omit<Message, 'id' | 'timestamp'> : never;

/** A message for the control plane before the connection stamps its envelope id and timestamp. */
export type OutboundMessage = WithoutEnvelope<AgentMessage>;

/** Sends (or, while offline, drops or queues: the connection decides) one message to the control plane. */
export type Emit = (message: OutboundMessage) => void;
