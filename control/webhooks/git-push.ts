import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { GitPushEvent, GitWebhookResult } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';
import { deliverySeen, recordDelivery } from '../../db/queries/git-webhook-deliveries.js';
import { projectOfAnyOrganization, servicesOfProject } from '../../db/queries/projects.js';
import { roleInOrganization } from '../../db/queries/workflow-runs.js';
import { authorize } from '../caller.js';
import { ApiProblem } from '../problem.js';
import type { SecretCipher } from '../secrets/cipher.js';
import { openWebhookSecret } from '../secrets/git-credentials.js';
import type { AuditOrigin } from '../audit.js';
import type { ServiceOperations } from '../operations/service-operations.js';
import { deliveryKeyOf, deliveryOf, isPushEvent, verifyDelivery } from './git-signature.js';

/*
 * Push to deploy. A git host's push to a branch deploys, through ServiceOperations like any other
 * deploy, every service of the project built from that branch with `auto_deploy`, pinned to the
 * pushed commit (trigger `git_push`). Acted on only when the delivery proves it knows the project's
 * webhook secret; a replay of a delivery already acted on changes nothing.
 */

const branchPrefix = 'refs/heads/';
const noCommit = /^0+$/;
const builtSourceTypes = new Set(['dockerfile', 'nixpacks']);

/** One answer for a missing project, a project without a secret and a wrong one: none tells which. */
const refused = () => new ApiProblem('UNAUTHORIZED', "The webhook's signature does not match the project's webhook secret");

export interface GitPushDelivery {
  projectId: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  event: GitPushEvent;
  origin: AuditOrigin;
}

/**
 * The deployment ids come from the delivery and the service: a retry after a crash half-way
 * finds the deployments its first try started instead of starting them twice.
 */
function operationIdOf(deliveryKey: string, serviceId: string): string {
  const hex = createHash('sha256').update(`${deliveryKey}/${serviceId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function receiveGitPush(
  deps: { db: Kysely<Database>; secrets: SecretCipher; operations: ServiceOperations },
  delivery: GitPushDelivery,
): Promise<GitWebhookResult> {
  const { db } = deps;
  const project = await projectOfAnyOrganization(db, delivery.projectId);
  const claimed = deliveryOf(delivery.headers);
  const secret = project ? openWebhookSecret(deps.secrets, project.id, project.git_webhook_secret_encrypted) : null;
  if (!project || !claimed || secret === null || !verifyDelivery(claimed, secret, delivery.rawBody)) throw refused();

  const { ref, deleted } = delivery.event;
  const commit = delivery.event.checkout_sha ?? delivery.event.after ?? null;
  const branch = ref?.startsWith(branchPrefix) ? ref.slice(branchPrefix.length) : null;
  const answer = (ignored: string | null, deployments: GitWebhookResult['deployments'] = []): GitWebhookResult => ({
    host: claimed.host,
    branch,
    commit_sha: commit,
    deployments,
    ignored,
  });
  if (!isPushEvent(claimed)) return answer(`A ${claimed.event ?? 'nameless'} event deploys nothing; only pushes do`);
  if (branch === null || !commit || noCommit.test(commit) || deleted) return answer('Not a push of a commit to a branch');

  const key = deliveryKeyOf(delivery.rawBody);
  if (await deliverySeen(db, project.id, key)) return answer('This delivery was already received; a replay deploys nothing');

  const userId = project.git_webhook_secret_set_by;
  const role = userId ? await roleInOrganization(db, project.org_id, userId) : undefined;
  if (!userId || !role) {
    throw new ApiProblem('UNPROCESSABLE', 'The member who set this webhook secret is no longer in the organization; set the secret again');
  }
  const caller = { userId, orgId: project.org_id, role, projectId: project.id, via: 'webhook' as const };
  authorize(caller, 'deploy');

  const projectBranch = project.git_branch ?? 'main';
  const onBranch = (await servicesOfProject(db, project.id)).filter(
    (service) => builtSourceTypes.has(service.source_type) && (service.auto_deploy ?? true) && (service.git_branch ?? projectBranch) === branch,
  );
  const deployments: GitWebhookResult['deployments'] = [];
  for (const service of onBranch) {
    const deployment = await deps.operations.deploy({ caller, origin: delivery.origin, trigger: 'git_push' }, service.id, { git_ref: commit }, {
      operationId: operationIdOf(key, service.id),
    });
    deployments.push({ service_id: service.id, deployment_id: deployment.id });
  }
  await recordDelivery(db, project.id, key);
  return answer(deployments.length > 0 ? null : `No service of this project with auto_deploy builds the branch "${branch}"`, deployments);
}
