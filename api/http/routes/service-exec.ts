import type { FastifyPluginAsync } from 'fastify';
import { CommandAnswers } from '../../../control/operations/command-answers.js';
import type { Platform } from '../../../control/platform.js';
import { execInService } from '../../../control/operations/exec.js';
import { defineRoute, registryRoute } from '../routing.js';

/** `POST /services/:serviceId/exec`: a command in a running replica, answered when it ends. */
export const serviceExecRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const deps = { db: platform.db, answers: await CommandAnswers.listen(app.notifications, platform.db, app.log) };
  defineRoute(app, registryRoute('execInService'), { permission: 'exec' }, async ({ params, body, caller, request }) =>
    execInService(deps, request, caller, params.serviceId, body),
  );
};
