import { createHash } from 'node:crypto';

/**
 * How every token is stored and compared: the SHA-256 of its text, hex. Shared by the control
 * plane (which keeps only this) and the agent (whose Sentry DSN keys are derived from its own
 * token's hash, so the control plane can compute them too).
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
