import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { ApiProblem } from '../../control/problem.js';
import { sendProblem } from './errors.js';

/*
 * A known path asked with a method it does not declare answers 405 with `Allow` (RFC 9110
 * 15.5.6), not the 404 of an unknown path: the client used the wrong verb, not a wrong URL.
 * OPTIONS answers 204 with the same `Allow`. The paths are whatever the app registered, registry
 * routes and others alike, so a new route is covered without a list to keep; each undeclared
 * method gets a route of its own, and the router's usual precedence (a static segment before a
 * parameter, both before the UI's wildcard) picks between them.
 */

/** The order `Allow` lists methods in; OPTIONS, which every path answers, comes last. */
const allowOrder = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'QUERY', 'TRACE'];

/**
 * Starts recording the methods of every route registered from now on; the returned function,
 * called after the last route of the API, adds the 405 routes for what each path lacks.
 */
export function trackDeclaredMethods(app: FastifyInstance): () => void {
  const declared = new Map<string, Set<string>>();
  let closed = false;
  app.addHook('onRoute', (route) => {
    // Wildcards (the UI's) claim no path of their own to refuse methods on.
    if (closed || route.url.includes('*')) return;
    const methods = declared.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method.toUpperCase());
    declared.set(route.url, methods);
  });
  return () => {
    closed = true;
    for (const [url, methods] of declared) answerUndeclaredMethods(app, url, methods);
  };
}

function answerUndeclaredMethods(app: FastifyInstance, url: string, declared: Set<string>): void {
  const allow = [...allowOrder.filter((method) => declared.has(method)), 'OPTIONS'].join(', ');
  if (!declared.has('OPTIONS')) {
    app.route({ method: 'OPTIONS', url, handler: async (_request, reply) => reply.code(204).header('allow', allow).send() });
  }
  const refused = app.supportedMethods.filter((method) => !declared.has(method) && method !== 'OPTIONS');
  if (refused.length === 0) return;
  const refuse = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    const problem = new ApiProblem('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; it allows ${allow}`, { headers: { allow } });
    return sendProblem(request, reply, problem);
  };
  app.route({
    method: refused as HTTPMethods[],
    url,
    // HEAD is listed itself when GET is refused: the automatic HEAD route would clash with it.
    exposeHeadRoute: false,
    // Answered before the body is read: a body the refused method carries must not turn the 405 into a 400 or 415.
    onRequest: refuse,
    handler: refuse,
  });
}
