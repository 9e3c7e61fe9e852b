import type { IssueEvent } from '../../../contracts/api/observability.js';

/*
 * What the agent's Sentry mapping keeps in an event's `context.extra` (agent/telemetry/sentry-mapping.ts):
 * the causes of the thrown exception, and the SDK's contexts with the trace it happened in.
 */

export interface ExceptionCause {
  type: string;
  value: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The causes, innermost first, as the SDK listed them. */
export function exceptionChain(event: IssueEvent): ExceptionCause[] {
  const chain = event.context?.extra.exception_chain;
  if (!Array.isArray(chain)) return [];
  return chain.filter(isRecord).map((cause) => ({ type: String(cause.type ?? 'Error'), value: String(cause.value ?? '') }));
}

/** The trace the error happened in, when the SDK sent `contexts.trace`. */
export function traceIdOf(event: IssueEvent): string | null {
  const contexts = event.context?.extra.contexts;
  const trace = isRecord(contexts) ? contexts.trace : undefined;
  const traceId = isRecord(trace) ? trace.trace_id : undefined;
  return typeof traceId === 'string' && /^[0-9a-f]{32}$/.test(traceId) ? traceId : null;
}
