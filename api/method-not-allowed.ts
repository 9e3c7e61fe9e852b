import type { FastifyInstance, HTTPMethods } from 'fastify';
import { ApiProblem, sendProblem } from './errors.js';

/*
 * A known path asked with a method it does not declare answers 405 with `Allow` (RFC 9110
 * 15.5.6), not the 404 of an unknown path: the client used the wrong verb, not a wrong URL.
 * OPTIONS answers 204 with the same `Allow`. The paths are whatever the app registered, registry
 * routes and others alike, so a new route is covered without a list to keep; each undeclared
 * method gets a route of its own, and the router's usual precedence (a static segment before a
 * parameter, both before the UI's wildcard) picks between them.
 */

const answeredMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'] as const;

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
  const allow = [...answeredMethods.filter((method) => declared.has(method) && method !== 'OPTIONS'), 'OPTIONS'].join(', ');
  const refused = answeredMethods.filter((method) => !declared.has(method) && method !== 'OPTIONS');
  if (!declared.has('OPTIONS')) {
    app.route({ method: 'OPTIONS', url, handler: async (_request, reply) => reply.code(204).header('allow', allow).send() });
  }
  if (refused.length === 0) return;
  app.route({
    method: refused as HTTPMethods[],
    url,
    // HEAD is listed itself when GET is refused: the automatic HEAD route would clash with it.
    exposeHeadRoute: false,
    handler: async (request, reply) =>
      sendProblem(
        request,
        reply,
        new ApiProblem('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${request.url.split('?')[0]}; it allows ${allow}`, {
          headers: { allow },
        }),
      ),
  });
}
