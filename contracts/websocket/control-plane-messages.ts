import { z } from 'zod';
import { ExecPayload, RestartPayload, ScalePayload, StopPayload, UpdateAgentPayload } from './commands.js';
import { BuildPayload, CancelBuildPayload } from './build.js';
import { DeployPayload } from './deploy.js';
import { defineMessage } from './envelope.js';
import { ConfigureHealthCheckPayload } from './health-check.js';
import { PingMessage, PongMessage } from './liveness.js';
import { LogsSubscribePayload, LogsUnsubscribePayload } from './logs.js';
import { HelloAckPayload } from './session.js';
import { ReportAckMessage } from './report-ack.js';
import { TelemetryAckPayload } from './telemetry-batch.js';

export const HelloAckMessage = defineMessage('hello_ack', HelloAckPayload, 'Control plane -> agent, the answer to agent_hello');
export const DeployMessage = defineMessage('deploy', DeployPayload, 'Control plane -> agent, roll out a service version');
export const StopMessage = defineMessage('stop', StopPayload, 'Control plane -> agent, stop a running service');
export const ScaleMessage = defineMessage('scale', ScalePayload, "Control plane -> agent, change a service's replicas");
export const RestartMessage = defineMessage('restart', RestartPayload, "Control plane -> agent, restart a service's containers");
export const ExecMessage = defineMessage('exec', ExecPayload, 'Control plane -> agent, run a command in a container');
export const LogsSubscribeMessage = defineMessage(
  'logs_subscribe',
  LogsSubscribePayload,
  "Control plane -> agent, stream a service's container logs as log_stream messages",
);
export const LogsUnsubscribeMessage = defineMessage(
  'logs_unsubscribe',
  LogsUnsubscribePayload,
  'Control plane -> agent, end a logs_subscribe',
);
export const UpdateAgentMessage = defineMessage(
  'update_agent',
  UpdateAgentPayload,
  'Control plane -> agent, replace the agent binary with another release',
);
export const ConfigureHealthCheckMessage = defineMessage(
  'configure_health_check',
  ConfigureHealthCheckPayload,
  "Control plane -> agent, change or turn off a service's health check",
);
export const BuildMessage = defineMessage('build', BuildPayload, 'Control plane -> agent, build a commit with BuildKit and push it');
export const CancelBuildMessage = defineMessage('cancel_build', CancelBuildPayload, "Control plane -> agent, stop a deployment's build now");
export const TelemetryAckMessage = defineMessage(
  'telemetry_ack',
  TelemetryAckPayload,
  'Control plane -> agent (protocol 1.1 and later), the fate of one telemetry_batch',
);

/** Everything the control plane may send; `type` selects the payload schema. */
export const ControlPlaneMessage = z.discriminatedUnion('type', [
  HelloAckMessage,
  DeployMessage,
  StopMessage,
  ScaleMessage,
  RestartMessage,
  ExecMessage,
  LogsSubscribeMessage,
  LogsUnsubscribeMessage,
  UpdateAgentMessage,
  ConfigureHealthCheckMessage,
  BuildMessage,
  CancelBuildMessage,
  PingMessage,
  PongMessage,
  TelemetryAckMessage,
  ReportAckMessage,
]);
export type ControlPlaneMessage = z.infer<typeof ControlPlaneMessage>;
export type ControlPlaneMessageOf<Type extends ControlPlaneMessage['type']> = Extract<ControlPlaneMessage, { type: Type }>;

/** Validates one decoded frame from the control plane; issues carry the path of each fault. */
export function parseControlPlaneMessage(raw: unknown): z.ZodSafeParseResult<ControlPlaneMessage> {
  return ControlPlaneMessage.safeParse(raw);
}
