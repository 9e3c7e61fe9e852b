import type { z } from 'zod';
import type { ApiError, ApiErrorCode } from '../../contracts/api/envelope.js';
import { csrfHeader } from '../../api/http/auth/session-cookie.js';
import { API_VERSION_HEADER, LATEST_API_VERSION, apiRoutes, type ApiOperationId } from '../../contracts/api/routes.js';

/*
 * The CLI's one way to the REST API: an operation of contracts/api/routes.ts by its operationId,
 * its params, query and body typed from that route's schemas and its answer typed from its
 * response schema. No command builds a URL or reads an envelope itself.
 */

type ApiRouteEntry = (typeof apiRoutes)[number];

type ParamsOf<Route> = Route extends { params: infer Schema extends z.ZodType } ? { params: z.input<Schema> } : { params?: never };
type QueryOf<Route> = Route extends { query: infer Schema extends z.ZodType } ? { query?: Partial<z.input<Schema>> } : { query?: never };
type BodyOf<Route> = Route extends { body: infer Schema extends z.ZodType } ? { body: z.input<Schema> } : { body?: never };

/** Each operation's input and answer, computed once per route (not per call: TypeScript gives up on that). */
type Operations = {
  [Route in ApiRouteEntry as Route['operationId']]: {
    input: ParamsOf<Route> & QueryOf<Route> & BodyOf<Route> & { timeoutMs?: number };
    output: Route extends { response: infer Schema extends z.ZodType } ? z.output<Schema> : null;
    required: object extends ParamsOf<Route> & BodyOf<Route> ? false : true;
  };
};
export type CallInput<Id extends ApiOperationId> = Operations[Id]['input'];
export type CallOutput<Id extends ApiOperationId> = Operations[Id]['output'];
type CallArguments<Id extends ApiOperationId> = Operations[Id]['required'] extends true ? [CallInput<Id>] : [CallInput<Id>?];

/** Long enough for any answer but exec's, which names its own. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** An answer in the contract's error envelope: its code, message and request id, as the API said them. */
export class ApiFailure extends Error {
  override name = 'ApiFailure';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly status: number,
    readonly requestId: string | null,
    readonly details: unknown,
  ) {
    super(message);
  }
}

/** No answer at all: the control plane is down, the URL wrong, or the network in the way. */
export class ControlPlaneUnreachable extends Error {
  override name = 'ControlPlaneUnreachable';
}

/** A user or project token; or, only while `login --link` makes a token, a browser session. */
export type Credentials = { token: string } | { sessionCookie: string; csrfToken: string | null };

export type Connection = Credentials & {
  /** The control plane's origin, e.g. https://syntra.example.com */
  url: string;
};

function authHeaders(credentials: Credentials, method: string): Record<string, string> {
  if ('token' in credentials) return { authorization: `Bearer ${credentials.token}` };
  const headers: Record<string, string> = { cookie: credentials.sessionCookie };
  if (method !== 'GET' && credentials.csrfToken) headers[csrfHeader] = credentials.csrfToken;
  return headers;
}

const routesById = new Map<string, ApiRouteEntry>(apiRoutes.map((route) => [route.operationId, route]));

function pathOf(route: ApiRouteEntry, params: Record<string, unknown> | undefined): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`${route.operationId} needs the path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

function searchOf(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') search.set(name, String(value));
  return search.size > 0 ? `?${search}` : '';
}

export type ApiClient = ReturnType<typeof apiClient>;

export function apiClient(connection: Connection) {
  const origin = connection.url.replace(/\/+$/, '');
  async function call<Id extends ApiOperationId>(
    operationId: Id,
    ...[input]: CallArguments<Id>
  ): Promise<CallOutput<Id>> {
    const route = routesById.get(operationId)!;
    const { params, query, body, timeoutMs } = (input ?? {}) as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; timeoutMs?: number };
    const url = `${origin}${pathOf(route, params)}${searchOf(query)}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: route.method,
        headers: {
          accept: 'application/json',
          ...authHeaders(connection, route.method),
          [API_VERSION_HEADER]: LATEST_API_VERSION,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs ?? REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ControlPlaneUnreachable(`Cannot reach the control plane at ${origin}: ${reasonOf(error)}`);
    }
    if (response.status === 204) return null as CallOutput<Id>;
    const text = await response.text();
    const envelope = parseJson(text) as { success: true; data: CallOutput<Id> } | ApiError | null;
    if (response.ok && envelope?.success === true) return envelope.data;
    if (envelope?.success === false) {
      const { code, message, request_id, details } = envelope.error;
      throw new ApiFailure(code, message, response.status, request_id, details);
    }
    // Not Syntra's envelope: a proxy's page, or another server at this address.
    throw new ApiFailure('INTERNAL_ERROR', `${origin} answered ${response.status} without Syntra's envelope: is this a Syntra control plane?`, response.status, response.headers.get('x-request-id'), undefined);
  }
  return { url: origin, connection, call };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
