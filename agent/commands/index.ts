import {
  COMMAND_MESSAGE_TYPES,
  CONTROL_PLANE_MESSAGE_TYPES,
  parseControlPlaneMessage,
  type CommandResponsePayload,
  type ControlPlaneMessage,
} from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import type { Emit } from '../outbound.js';
import { AgentError, toCommandError } from '../errors.js';
import { configureHealthCheck } from './configure-health-check.js';
import { deploy } from './deploy.js';
import { execInService } from './exec.js';
import { LogSubscriptions } from './logs.js';
import { restartService } from './restart.js';
import { scaleService } from './scale.js';
import { stopService } from './stop.js';
import { updateAgent } from './update-agent.js';

function builderOf(context: AgentContext) {
  if (!context.builder) throw new AgentError('BUILDS_UNAVAILABLE', 'This agent does not build from source');
  return context.builder;
}

type CommandType = (typeof COMMAND_MESSAGE_TYPES)[number];
type Command = Extract<ControlPlaneMessage, { type: CommandType }>;

function isCommand(message: ControlPlaneMessage): message is Command {
  return (COMMAND_MESSAGE_TYPES as readonly string[]).includes(message.type);
}

/* command_response.request_id must be 1–255 characters; a frame without one is still answered. */
const UNIDENTIFIED_REQUEST = 'unidentified';
const REQUEST_ID_MAX_LENGTH = 255;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The id to answer a message with, even when the message is malformed. */
function requestIdOf(raw: unknown): string {
  const candidates = isObject(raw) ? [isObject(raw.payload) ? raw.payload.request_id : undefined, raw.id] : [];
  const found = candidates.find((value): value is string => typeof value === 'string' && value.length > 0 && value.length <= REQUEST_ID_MAX_LENGTH);
  return found ?? UNIDENTIFIED_REQUEST;
}

export interface CommandDispatcher {
  /**
   * Validates one decoded frame and runs it, emitting its `deploy_status` / `log_stream`
   * messages and finally its `command_response`, which it also returns. Never throws: a bad
   * or failing command becomes a `success: false` answer with an error code.
   */
  handleCommand(raw: unknown): Promise<CommandResponsePayload>;
  /** Ends log follows (on disconnect or shutdown). */
  close(): void;
  /**
   * Resolves once every command running now has finished, or after `timeoutMs`: a stopping
   * agent lets a deploy finish rather than leave half-made containers to a successor.
   */
  settled(timeoutMs: number): Promise<void>;
}

export function createCommandDispatcher(context: AgentContext, emit: Emit): CommandDispatcher {
  const logs = new LogSubscriptions(context, emit);

  async function run(command: Command): Promise<unknown> {
    switch (command.type) {
      case 'deploy': {
        const result = await deploy(context, command.payload, (status) => emit({ type: 'deploy_status', payload: status }));
        if (!result.ok) throw new AgentError(result.error.code, result.error.message);
        return { deployment_id: command.payload.deployment_id, endpoint: result.endpoint, replicas: result.replicas };
      }
      case 'stop':
        return stopService(context, command.payload);
      case 'scale':
        return scaleService(context, command.payload);
      case 'restart':
        return restartService(context, command.payload);
      case 'exec':
        return execInService(context, command.payload);
      case 'logs_subscribe':
        return logs.subscribe(command.payload);
      case 'logs_unsubscribe':
        return logs.unsubscribe(command.payload);
      case 'configure_health_check':
        return configureHealthCheck(context, command.payload);
      case 'update_agent':
        return updateAgent(context, command.payload);
      case 'build':
        return builderOf(context).build(command.payload, (progress) => emit({ type: 'build_progress', payload: progress }));
      case 'cancel_build':
        return builderOf(context).cancel(command.payload);
    }
  }

  function answer(response: CommandResponsePayload): CommandResponsePayload {
    try {
      emit({ type: 'command_response', payload: response });
    } catch (error) {
      context.log.warn({ requestId: response.request_id }, `could not send command_response: ${String(error)}`);
    }
    return response;
  }

  function unknownCommand(requestId: string, type: string, message: string): CommandResponsePayload {
    context.log.warn({ requestId, type }, message);
    return answer({ request_id: requestId, success: false, error: { code: 'UNKNOWN_COMMAND', message, details: { type, commands: COMMAND_MESSAGE_TYPES } } });
  }

  async function handleCommand(raw: unknown): Promise<CommandResponsePayload> {
    const requestId = requestIdOf(raw);
    const type = isObject(raw) ? raw.type : undefined;
    // Checked before parsing: for an unknown type zod reports only "invalid discriminator".
    if (typeof type === 'string' && !(CONTROL_PLANE_MESSAGE_TYPES as readonly string[]).includes(type)) {
      return unknownCommand(requestId, type, `Unknown command type ${JSON.stringify(type)}`);
    }
    const parsed = parseControlPlaneMessage(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
      context.log.warn({ requestId, issues }, 'invalid command');
      const summary = issues.map((issue) => `${issue.path || '(message)'}: ${issue.message}`).join('; ');
      const error = { code: 'INVALID_COMMAND', message: `Invalid command: ${summary}`, details: { issues } };
      return answer({ request_id: requestId, success: false, error });
    }
    const command = parsed.data;
    if (!isCommand(command)) return unknownCommand(requestId, command.type, `${command.type} is session traffic, not a command`);
    try {
      const data = await run(command);
      return answer({ request_id: command.payload.request_id, success: true, data });
    } catch (error) {
      const failure = toCommandError(error, 'COMMAND_FAILED');
      context.log.warn({ requestId: command.payload.request_id, type: command.type, code: failure.code }, failure.message);
      return answer({ request_id: command.payload.request_id, success: false, error: failure });
    }
  }

  const running = new Set<Promise<unknown>>();
  function track(raw: unknown): Promise<CommandResponsePayload> {
    const run = handleCommand(raw);
    running.add(run);
    void run.finally(() => running.delete(run));
    return run;
  }
  async function settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...running]), timeout]);
    clearTimeout(timer);
  }

  return { handleCommand: track, close: () => logs.close(), settled };
}
