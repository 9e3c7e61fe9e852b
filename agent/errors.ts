import type { CommandError } from '../contracts/index.js';

/**
 * A failure the control plane can act on: the code is one of the contract's UPPER_SNAKE_CASE
 * codes (`PULL_FAILED`, `CONTAINER_NOT_FOUND`…) and travels unchanged into `command_response`
 * and `deploy_status`.
 */
export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/** The contract's error shape for any thrown value; unexpected errors keep their message under `fallbackCode`. */
export function toCommandError(error: unknown, fallbackCode: string): CommandError {
  if (error instanceof AgentError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  return { code: fallbackCode, message: messageOf(error) };
}

/** Docker Engine answers "no such container" with HTTP 404; callers treat it as already gone. */
export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === 404;
}

/** Docker answers 304 when a container is already in the requested state (started, stopped). */
export function isNotModified(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === 304;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
