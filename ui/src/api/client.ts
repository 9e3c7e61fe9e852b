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

/** Sends one request of the API; a network failure becomes NETWORK_ERROR (an abort through `signal` stays an AbortError). */
export async function sendRequest(
  method: Method,
  path: string,
  options: { body?: unknown; query?: QueryValues; accept?: string; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  try {
    return await fetch(urlOf(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiFailure('NETWORK_ERROR', 'The control plane did not answer. Check that Syntra is running and your network is up, then try again.', 0, null);
  }
}

/** The failure an unsuccessful answer carries (the contract's envelope); a 401 also ends the session. */
export async function failureOf(response: Response, path: string): Promise<ApiFailure> {
  const envelope = (await response.json().catch(() => null)) as ApiError | null;
  const problem = envelope?.success === false ? envelope.error : null;
  if (response.status === 401 && !path.startsWith('/auth/login')) onUnauthorized();
  return new ApiFailure(
    problem?.code ?? 'INTERNAL_ERROR',
    problem?.message ?? `The control plane answered ${response.status} without an explanation.`,
    response.status,
    problem?.request_id ?? response.headers.get('x-request-id'),
  );
}

type CallOptions = { body?: unknown; query?: QueryValues };

export async function apiCall<Data>(method: Method, path: string, options: CallOptions = {}): Promise<Data> {
  return (await apiEnvelope<Data>(method, path, options)).data;
}

/** The whole success envelope, for the `meta` of a list (its `total`). */
export async function apiEnvelope<Data>(method: Method, path: string, options: CallOptions = {}): Promise<{ data: Data; meta?: Record<string, unknown> }> {
  const response = await sendRequest(method, path, options);
  if (response.status === 204) return { data: null as Data };
  if (!response.ok) throw await failureOf(response, path);
  const envelope = (await response.json().catch(() => null)) as { success: true; data: Data; meta?: Record<string, unknown> } | null;
  if (envelope?.success === true) return envelope;
  throw new ApiFailure('INTERNAL_ERROR', `The control plane answered ${response.status} without the expected envelope.`, response.status, response.headers.get('x-request-id'));
}
