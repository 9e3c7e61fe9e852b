import type { ApiErrorCode } from '../../../contracts/api/envelope.js';

/*
 * "What went wrong" is the message the API or the agent sent; "what to do" is this: one next
 * step per error code a person can act on.
 */

const apiAdvice: Record<ApiErrorCode | 'NETWORK_ERROR', string> = {
  VALIDATION_ERROR: 'Correct the highlighted fields and submit again.',
  UNAUTHORIZED: 'Sign in again: your session ended or the token is wrong.',
  FORBIDDEN: 'Your role does not allow this. Ask an owner or admin of the organization.',
  NOT_FOUND: 'It may have been deleted. Go back to the list and reload.',
  METHOD_NOT_ALLOWED: 'This version of the UI asked the API something it does not take. Reload the page.',
  CONFLICT: 'Someone else changed it at the same time. Reload and try again.',
  UNPROCESSABLE: 'The request is valid but cannot be done now; the message says why.',
  RATE_LIMITED: 'Too many requests. Wait a minute and try again.',
  INTERNAL_ERROR: 'Syntra failed on its side. Try again; if it persists, check the API logs for the request id.',
  SERVICE_UNAVAILABLE: 'A component Syntra needs is down. Check /api/v1/health.',
  NETWORK_ERROR: 'Check that the control plane is running, then try again.',
};

const deployAdvice: Record<string, string> = {
  PULL_FAILED: 'Check the image registry, repository and tag, and the registry credentials of the service.',
  HEALTH_CHECK_FAILED: "The new containers never became healthy. Check the service's port and health check, and the log lines below.",
  CONTAINER_NOT_FOUND: 'The container disappeared on the server. Deploy again.',
  AGENT_UNREACHABLE: "The server's agent is offline. Check the server, then deploy again.",
  TIMEOUT: 'The rollout took longer than its timeout. Check the log lines, then deploy again.',
  DEPLOY_FAILED: 'Read the log lines below for the cause, fix it, and deploy again.',
};

export function adviceFor(code: string | null): string {
  if (code && code in apiAdvice) return apiAdvice[code as ApiErrorCode];
  if (code && code in deployAdvice) return deployAdvice[code]!;
  return 'Read the message and the log lines, fix the cause, then try again.';
}
