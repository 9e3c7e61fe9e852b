import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { operationQueueOf } from '../../../control/operations/queue.js';
import { ServiceOperations } from '../../../control/operations/service-operations.js';
import type { Platform } from '../../../control/platform.js';
import { ApiProblem } from '../../../control/problem.js';
import { receiveGitPush } from '../../../control/webhooks/git-push.js';
import { defineRoute, registryRoute } from '../routing.js';

/*
 * `POST /webhooks/git/:projectId`, called by git hosts. Signatures are over the exact bytes the
 * host sent, so this plugin keeps the raw body beside the parsed one; its JSON parser is scoped
 * to this plugin, and every other route parses as before.
 */

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

export const gitWebhookRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const operations = new ServiceOperations(platform.db, operationQueueOf(platform), platform.config.registry);

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    rawBodies.set(request, body);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch {
      done(new ApiProblem('VALIDATION_ERROR', 'The webhook body is not JSON; set the hook\'s content type to application/json'), undefined);
    }
  });

  defineRoute(app, registryRoute('receiveGitPush'), {}, async ({ params, body, request }) => {
    const rawBody = rawBodies.get(request);
    if (!rawBody) throw new ApiProblem('VALIDATION_ERROR', "The webhook body must be JSON (the hook's content type application/json)");
    return receiveGitPush(
      { db: platform.db, secrets: platform.secrets, operations },
      { projectId: params.projectId, headers: request.headers, rawBody, event: body, origin: request },
    );
  });
};
