import type { z } from 'zod';
import { apiErrorStatus, type ApiErrorCode } from './envelope.js';

/*
 * What a route of the REST API is, as data (the registry is in routes.ts). The OpenAPI document is
 * a pure function of the registry, and the API server validates requests with the same entries, so
 * the published document cannot drift from the code.
 */

export const API_PREFIX = '/api/v1';

/**
 * The dated revisions of /api/v1 (contract 4.1): a client pins one in the `X-API-Version` header,
 * and every answer names the one it was given in. A revision changes compatibly within v1; a
 * breaking change is /api/v2.
 */
export const API_VERSIONS = ['2024-01-31'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
/** What a request without the header gets. */
export const LATEST_API_VERSION: ApiVersion = API_VERSIONS[API_VERSIONS.length - 1]!;
export const API_VERSION_HEADER = 'X-API-Version';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type ApiTag =
  | 'servers'
  | 'projects'
  | 'services'
  | 'deployments'
  | 'env'
  | 'observability'
  | 'health'
  | 'auth'
  | 'tokens'
  | 'members'
  | 'audit'
  | 'alerts'
  | 'workflows'
  | 'ai';

export interface ApiRoute {
  method: HttpMethod;
  /** OpenAPI syntax: `/api/v1/servers/{serverId}`. */
  path: string;
  operationId: string;
  summary: string;
  tags: readonly ApiTag[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The `data` of the success envelope; null when the route answers 204 without a body, or streams. */
  response: z.ZodType | null;
  /** Answers Server-Sent Events instead of an envelope: each event's name and the schema of its JSON `data`. */
  eventStream?: Readonly<Record<string, z.ZodType>>;
  successStatus: 200 | 201 | 202 | 204;
  /** Codes this route answers beyond those every route of its kind can (see `routeErrorCodes`). */
  errors?: readonly ApiErrorCode[];
  /** Answers without authentication. */
  public?: boolean;
}

/** A path under the API prefix, in OpenAPI syntax. */
export const v1 = (path: string) => `${API_PREFIX}${path}`;

/** Every error code a route can answer, in status order: what its OpenAPI responses list. */
export function routeErrorCodes(route: ApiRoute): ApiErrorCode[] {
  // VALIDATION_ERROR everywhere: an unsupported X-API-Version is refused on every route.
  const codes = new Set<ApiErrorCode>(['VALIDATION_ERROR', 'INTERNAL_ERROR', ...(route.errors ?? [])]);
  if (route.params) codes.add('NOT_FOUND');
  if (!route.public) {
    codes.add('UNAUTHORIZED');
    codes.add('FORBIDDEN');
    codes.add('RATE_LIMITED');
  }
  return [...codes].sort((a, b) => apiErrorStatus[a] - apiErrorStatus[b]);
}
