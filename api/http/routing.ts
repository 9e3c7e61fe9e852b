import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { apiRoutes, type ApiOperationId, type ApiRoute, type ResponseMeta } from '../../contracts/index.js';
import { type Action } from '../../contracts/api/permissions.js';
import { authorize, type Caller } from '../../control/caller.js';
import { ApiProblem, type FieldProblem } from '../../control/problem.js';

/*
 * Routes are registered from the contract's route registry, so the OpenAPI document, the request
 * validation and the handler's types all come from the same zod schemas and cannot drift apart.
 */

export type RegistryRoute<Id extends ApiOperationId> = Extract<(typeof apiRoutes)[number], { operationId: Id }>;

type Parsed<R, Key extends 'params' | 'query' | 'body'> = R extends { [K in Key]: infer Schema extends z.ZodType }
  ? z.output<Schema>
  : undefined;

type ResponseData<R extends ApiRoute> = R['response'] extends z.ZodType ? z.output<R['response']> : void;

/** What a handler receives: the validated input, the caller, and the raw request for headers and IP. */
export interface RouteCall<R extends ApiRoute> {
  params: Parsed<R, 'params'>;
  query: Parsed<R, 'query'>;
  body: Parsed<R, 'body'>;
  caller: R extends { public: true } ? null : Caller;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** `data` with the envelope's `meta` (pagination); a handler returns it instead of bare data. */
export class WithMeta<Data> {
  constructor(
    readonly data: Data,
    readonly meta: ResponseMeta,
  ) {}
}

/**
 * The success envelope already serialized, for a handler that caches its whole answer (see the
 * project list): sending it costs no serialization. Made only by `serializedEnvelope`, so its
 * shape is the same envelope `defineRoute` sends.
 */
export class SerializedEnvelope<Data> {
  private declare readonly data: Data;
  constructor(readonly json: string) {}
}

function envelope(data: unknown, meta: ResponseMeta | undefined) {
  return { success: true, data: data ?? null, ...(meta ? { meta } : {}) };
}

export function serializedEnvelope<Data>(result: Data | WithMeta<Data>): SerializedEnvelope<Data> {
  const [data, meta] = result instanceof WithMeta ? [result.data, result.meta] : [result, undefined];
  return new SerializedEnvelope(JSON.stringify(envelope(data, meta)));
}

export type RouteHandler<R extends ApiRoute> = (
  call: RouteCall<R>,
) => Promise<ResponseData<R> | WithMeta<ResponseData<R>> | SerializedEnvelope<ResponseData<R>>>;

/**
 * `permission` is required on every authenticated route so that forgetting it is a type error;
 * `null` means any authenticated caller (e.g. `GET /auth/me`).
 */
export type RouteOptions<R extends ApiRoute> = R extends { public: true } ? Record<string, never> : { permission: Action | null };

export function registryRoute<Id extends ApiOperationId>(operationId: Id): RegistryRoute<Id> {
  const route = apiRoutes.find((candidate) => candidate.operationId === operationId);
  if (!route) throw new Error(`No route ${operationId} in the contract's registry`);
  return route as RegistryRoute<Id>;
}

/** `/api/v1/servers/{serverId}` → `/api/v1/servers/:serverId`. */
export function fastifyPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ':$1');
}


function parseInput(route: ApiRoute, request: FastifyRequest) {
  const problems: FieldProblem[] = [];
  const parse = (location: 'params' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown) => {
    if (!schema) return undefined;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const at = [location, ...issue.path.map(String)];
      // A key a strict shape does not have is reported as that key's own field, so the message names it.
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push({ path: [...at, key].join('.'), message: `Unknown field "${key}"` });
      } else problems.push({ path: at.join('.'), message: issue.message });
    }
    return undefined;
  };
  const input = {
    params: parse('params', route.params, request.params),
    query: parse('query', route.query, request.query),
    body: parse('body', route.body, request.body),
  };
  if (problems.length > 0) {
    const fields = [...new Set(problems.map((problem) => problem.path))].join(', ');
    throw new ApiProblem('VALIDATION_ERROR', `Invalid request: ${fields}`, { details: problems });
  }
  return input;
}

/**
 * Registers one route from its registry entry (or an entry of the same shape not yet in the
 * registry). Order per request: authenticate (401), the caller's rate limit (429, rate-limit.ts),
 * authorize the role (403), validate (400), then the handler, whose result is sent in the
 * success envelope with the entry's status.
 */
export function defineRoute<R extends ApiRoute>(
  app: FastifyInstance,
  route: R,
  options: RouteOptions<R>,
  handler: RouteHandler<R>,
): void {
  const permission = 'permission' in options ? (options.permission as Action | null) : null;
  app.route({
    method: route.method,
    url: fastifyPath(route.path),
    ...(route.public ? {} : { onRequest: app.authenticate }),
    handler: async (request, reply) => {
      const caller = route.public ? null : request.caller;
      if (!route.public && !caller) throw new ApiProblem('UNAUTHORIZED', 'Authentication required');
      if (caller && permission) authorize(caller, permission);
      const input = parseInput(route, request);
      const call = { ...input, caller, request, reply } as RouteCall<R>;
      const result = await handler(call);
      // An event stream (route.eventStream) has written its own answer.
      if (reply.sent) return reply;
      if (route.successStatus === 204) return reply.code(204).send();
      if (result instanceof SerializedEnvelope) return reply.code(route.successStatus).type('application/json; charset=utf-8').send(result.json);
      const [data, meta] = result instanceof WithMeta ? [result.data, result.meta] : [result, undefined];
      return reply.code(route.successStatus).send(envelope(data, meta));
    },
  });
}
