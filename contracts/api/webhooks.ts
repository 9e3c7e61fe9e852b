import { z } from 'zod';
import { Uuid } from '../primitives.js';
import { ProjectParams } from './queries.js';
import { v1, type ApiRoute } from './route.js';

/*
 * Push to deploy (beyond the contract, docs/contract-corrections.md): the git host calls
 * `POST /webhooks/git/{projectId}` on every push. It is authenticated by the project's webhook
 * secret, not by a token: GitHub and Gitea/Forgejo sign the raw body (HMAC-SHA256), GitLab sends
 * the secret itself.
 */

export const GitHostKind = z.enum(['github', 'gitlab', 'gitea']);
export type GitHostKind = z.infer<typeof GitHostKind>;

/*
 * The fields of a push event the platform reads; the three hosts share them (GitLab adds
 * `checkout_sha`). Everything else a host sends passes through unread, and non-push events
 * (GitHub's `ping`) carry none of them.
 */
export const GitPushEvent = z.looseObject({
  ref: z.string().max(1024).optional().describe('refs/heads/<branch> for a branch push'),
  after: z.string().max(64).optional().describe('The commit the branch now points at'),
  checkout_sha: z.string().max(64).nullable().optional(),
  deleted: z.boolean().optional(),
});
export type GitPushEvent = z.infer<typeof GitPushEvent>;

export const GitWebhookResult = z.object({
  host: GitHostKind,
  branch: z.string().nullable().describe('The pushed branch; null for an event that is not a branch push'),
  commit_sha: z.string().nullable(),
  deployments: z.array(z.object({ service_id: Uuid, deployment_id: Uuid })).describe("One per service on the branch with auto_deploy"),
  ignored: z.string().nullable().describe('Why nothing was deployed: a replay, another event, no service on the branch'),
});
export type GitWebhookResult = z.infer<typeof GitWebhookResult>;

export const webhookRoutes = [
  {
    method: 'POST', path: v1('/webhooks/git/{projectId}'), operationId: 'receiveGitPush',
    summary: "A git host's push: deploys the project's services on the pushed branch that have auto_deploy",
    tags: ['deployments'], params: ProjectParams, body: GitPushEvent, response: GitWebhookResult, successStatus: 202,
    public: true, errors: ['UNAUTHORIZED'],
  },
] as const satisfies readonly ApiRoute[];
