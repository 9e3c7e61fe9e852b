import type { ApiError, ApiErrorCode } from '../../../contracts/api/envelope.js';
import { API_PREFIX } from '../../../contracts/api/route.js';

/*
 * Every call of the REST API goes through here: the session cookie rides along (same origin),
 * mutations carry the session's CSRF token, and a failure becomes an ApiFailure with the
 * contract's code and message, which pages show as they are.
 */

export class ApiFailure extends Error {
  constructor(
    readonly code: ApiErrorCode | 'NETWORK_ERROR',
    message: string,
    readonly status: number,
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type QueryValues = Record<string, string | number | boolean | undefined>;

let csrfToken: string | null = null;
let onUnauthorized: () => void = () => {};

/** The session's CSRF token (from login or /auth/me), sent with every mutation. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request answers 401: the session ended (expired, logged out elsewhere). */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

function urlOf(path: string, query?: QueryValues): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') search.set(name, String(value));
  const suffix = search.size > 0 ? `?${search}` : '';
  return `${API_PREFIX}${path}${suffix}`;
}

type CallOptions = { body?: unknown; query?: QueryValues };

export async function apiCall<Data>(method: Method, path: string, options: CallOptions = {}): Promise<Data> {
  return (await apiEnvelope<Data>(method, path, options)).data;
}

/** The whole success envelope, for the `meta` of a list (its `total`). */
export async function apiEnvelope<Data>(method: Method, path: string, options: CallOptions = {}): Promise<{ data: Data; meta?: Record<string, unknown> }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(urlOf(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch {
    throw new ApiFailure('NETWORK_ERROR', 'The control plane did not answer. Check that Syntra is running and your network is up, then try again.', 0, null);
  }
  if (response.status === 204) return { data: null as Data };
  const envelope = (await response.json().catch(() => null)) as { success: true; data: Data; meta?: Record<string, unknown> } | ApiError | null;
  if (envelope?.success === true) return envelope;
  const problem = envelope?.success === false ? envelope.error : null;
  const failure = new ApiFailure(
    problem?.code ?? 'INTERNAL_ERROR',
    problem?.message ?? `The control plane answered ${response.status} without an explanation.`,
    response.status,
    problem?.request_id ?? response.headers.get('x-request-id'),
  );
  if (response.status === 401 && !path.startsWith('/auth/login')) onUnauthorized();
  throw failure;
}
