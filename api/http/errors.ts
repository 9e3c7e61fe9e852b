import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrorStatus } from '../../contracts/index.js';
import { ApiProblem } from '../../control/problem.js';

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ApiProblem) {
  const { details, headers = {}, status } = problem.options;
  return reply
    .code(status ?? apiErrorStatus[problem.code])
    .headers(headers)
    .send({
      success: false,
      error: {
        code: problem.code,
        message: problem.message,
        ...(details === undefined ? {} : { details }),
        request_id: request.id,
      },
    });
}

/* character_not_in_repertoire, untranslatable_character: the input's fault, not ours. */
const postgresRejectedText = new Set(['22021', '22P05']);

/** One place turns every failure into the envelope: typed problems, validation, the unexpected. */
export function registerErrorHandling(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new ApiProblem('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
  app.setErrorHandler((error: FastifyError | ApiProblem, request, reply) => {
    if (error instanceof ApiProblem) return sendProblem(request, reply, error);
    if (error.validation) {
      return sendProblem(request, reply, new ApiProblem('VALIDATION_ERROR', error.message, { details: error.validation }));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, a body too large, an unknown content type.
      const problem = new ApiProblem('VALIDATION_ERROR', error.message, { status: error.statusCode });
      return sendProblem(request, reply, problem);
    }
    if (postgresRejectedText.has((error as { code?: unknown }).code as string)) {
      // PostgreSQL text cannot hold NUL (or bytes invalid in UTF-8); zod lets both through.
      return sendProblem(request, reply, new ApiProblem('VALIDATION_ERROR', 'Text may not contain NUL characters or invalid UTF-8'));
    }
    request.log.error({ err: error }, 'unhandled error');
    const problem = new ApiProblem('INTERNAL_ERROR', 'Something went wrong on our side; the request id identifies it in the logs.');
    return sendProblem(request, reply, problem);
  });
}
