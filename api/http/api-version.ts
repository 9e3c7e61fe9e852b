import type { FastifyInstance } from 'fastify';
import { API_PREFIX, API_VERSION_HEADER, API_VERSIONS, LATEST_API_VERSION } from '../../contracts/index.js';
import { ApiProblem } from '../../control/problem.js';

/*
 * Contract 4.1's `X-API-Version`: a request under /api/ may pin a dated revision of the API; the
 * answer names the revision it was given in, the latest when none was asked for. An unknown date
 * is refused before anything else runs, rather than answered in a revision the client did not ask for.
 */

const header = API_VERSION_HEADER.toLowerCase();
const supported: ReadonlySet<string> = new Set(API_VERSIONS);

export function registerApiVersion(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const urlPath = request.url.split('?')[0]!;
    if (urlPath !== API_PREFIX && !urlPath.startsWith(`${API_PREFIX}/`)) return;
    reply.header(header, LATEST_API_VERSION);
    const asked = request.headers[header];
    if (asked === undefined) return;
    if (typeof asked === 'string' && supported.has(asked)) {
      reply.header(header, asked);
      return;
    }
    const message = `must be one of ${API_VERSIONS.join(', ')}`;
    throw new ApiProblem('VALIDATION_ERROR', `Unsupported ${API_VERSION_HEADER} ${JSON.stringify(asked)}: it ${message}`, {
      details: [{ path: `headers.${header}`, message }],
    });
  });
}
