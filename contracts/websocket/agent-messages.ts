import { z } from 'zod';
import { AlertPayload } from './alert.js';
import { BuildProgressPayload } from './build.js';
import { CommandResponsePayload } from './commands.js';
import { DeployStatusPayload } from './deploy.js';
import { defineMessage } from './envelope.js';
import { LogStreamPayload } from './logs.js';
import { PingMessage, PongMessage } from './liveness.js';
import { AgentHelloPayload, HeartbeatPayload } from './session.js';
import { TelemetryBatchPayload } from './telemetry-batch.js';

export const AgentHelloMessage = defineMessage(
  'agent_hello',
  AgentHelloPayload,
  'Agent -> control plane, first message after the WebSocket opens',
);
export const HeartbeatMessage = defineMessage('heartbeat', HeartbeatPayload, 'Agent -> control plane, every heartbeat interval');
export const CommandResponseMessage = defineMessage(
  'command_response',
  CommandResponsePayload,
  'Agent -> control plane, the outcome of one command',
);
export const DeployStatusMessage = defineMessage(
  'deploy_status',
  DeployStatusPayload,
  'Agent -> control plane, progress of a deployment',
);
export const TelemetryBatchMessage = defineMessage(
  'telemetry_batch',
  TelemetryBatchPayload,
  'Agent -> control plane, buffered errors, traces, logs, metrics and health checks',
);
export const AlertMessage = defineMessage('alert', AlertPayload, 'Agent -> control plane, a critical condition on the server');
export const LogStreamMessage = defineMessage(
  'log_stream',
  LogStreamPayload,
  'Agent -> control plane, container log lines for a logs_subscribe',
);

export const BuildProgressMessage = defineMessage(
  'build_progress',
  BuildProgressPayload,
  "Agent -> control plane, a build's phase and new log lines",
);

/** Everything an agent may send; `type` selects the payload schema. */
export const AgentMessage = z.discriminatedUnion('type', [
  AgentHelloMessage,
  HeartbeatMessage,
  CommandResponseMessage,
  DeployStatusMessage,
  TelemetryBatchMessage,
  AlertMessage,
  LogStreamMessage,
  BuildProgressMessage,
  PingMessage,
  PongMessage,
]);
export type AgentMessage = z.infer<typeof AgentMessage>;
export type AgentMessageOf<Type extends AgentMessage['type']> = Extract<AgentMessage, { type: Type }>;

/** Validates one decoded frame from an agent; issues carry the path of each fault. */
export function parseAgentMessage(raw: unknown): z.ZodSafeParseResult<AgentMessage> {
  return AgentMessage.safeParse(raw);
}
