import { setTimeout as sleep } from 'node:timers/promises';
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { BuildPayload, BuildResultData, BuildSpec, CommandResponsePayload, DeploymentSpec } from '../contracts/index.js';
import type { BuildOutcome } from '../contracts/operations.js';
import type { Database } from '../db/postgres/database.js';
import { commandByRequestId, enqueueAgentCommand, withdrawPendingCommand } from '../db/queries/agent-commands.js';
import { assignBuildServer, buildServerOf, recordBuildLogTail, recordBuildResult, startBuild } from '../db/queries/builds.js';
import { recordStatusChange } from '../db/queries/deployment-events.js';
import { deploymentById, serviceWithProject } from '../db/queries/deployments.js';
import { mintRegistryCredential } from '../control/registry/credentials.js';
import type { BuiltImageRetention } from '../control/registry/retention.js';
import type { SecretCipher } from '../control/secrets/cipher.js';
import { sealBuildCommand } from '../control/secrets/command-secrets.js';
import { openBuildSecrets, openGitCredentials } from '../control/secrets/git-credentials.js';

/*
 * A build is one heartbeating activity: it queues the `build` command for the agent of the
 * server `markBuilding` chose (the service's own or a build server; idempotent by request id) and follows its row in the outbox until the agent answers. Its
 * heartbeat is what makes it durable and cancellable: a worker killed mid-build stops
 * heartbeating, and the retry on another worker finds the same command and keeps waiting; a
 * cancelled workflow reaches the activity through its heartbeat, and the activity sends
 * `cancel_build`. The build itself runs on the agent, which never talks to Temporal.
 */

const pollIntervalMs = 200;
/** How long the agent has to pick the command up (it may be reconnecting). */
const pickupSeconds = 120;

export function buildActivities({ db, secrets, retention }: { db: Kysely<Database>; secrets: SecretCipher; retention?: BuiltImageRetention | null | undefined }) {
  return {
    /** queued → building; false when it is not queued any more (cancelled while it waited). */
    async markBuilding(deploymentId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        if (await startBuild(trx, deploymentId)) {
          const server = await assignBuildServer(trx, deploymentId);
          const where = server.own ? `the service's server ${server.name}` : `build server ${server.name}`;
          await recordStatusChange(trx, { deploymentId, status: 'building', message: `Building on ${where}` });
          return true;
        }
        const status = (await deploymentById(trx, deploymentId))?.status;
        return status === 'building' || status === 'pushing';
      });
    },

    async runBuild(command: { deploymentId: string; requestId: string; timeoutSeconds: number }): Promise<BuildOutcome> {
      const context = Context.current();
      const deployment = await deploymentById(db, command.deploymentId);
      const found = deployment && (await serviceWithProject(db, deployment.service_id));
      if (!deployment?.spec || !deployment.build_spec || !found) {
        throw ApplicationFailure.nonRetryable(`Deployment ${command.deploymentId} or its service is gone, or it records no build`, 'NOT_FOUND');
      }
      const build = BuildSpec.parse(deployment.build_spec);
      const { digest: _pinned, ...image } = DeploymentSpec.parse(deployment.spec).image;
      const projectRow = await db.selectFrom('projects').select('git_credentials_encrypted').where('id', '=', found.project.id).executeTakeFirstOrThrow();
      // Decided by markBuilding; a deployment queued before build servers existed builds at home.
      const buildServer = (await buildServerOf(db, deployment)) ?? { id: found.service.server_id, name: undefined };
      const payload = BuildPayload.parse({
        request_id: command.requestId,
        deployment_id: deployment.id,
        service_id: found.service.id,
        git: build.git,
        git_auth: openGitCredentials(secrets, found.project.id, projectRow.git_credentials_encrypted),
        dockerfile: build.dockerfile,
        build_args: build.build_args,
        build_secrets: openBuildSecrets(secrets, found.service.id, found.service.build_secrets_encrypted),
        image,
        // The push credential outlives the build's own limit a little: the push comes last.
        registry_auth: mintRegistryCredential(secrets, { repository: image.repository, actions: ['pull', 'push'], ttlSeconds: command.timeoutSeconds + 120 }),
        timeout_seconds: command.timeoutSeconds,
        server_name: buildServer.name,
      });
      await enqueueAgentCommand(db, {
        serverId: buildServer.id,
        requestId: command.requestId,
        workflowId: context.info.workflowExecution?.workflowId,
        type: 'build',
        ...sealBuildCommand(secrets, payload),
        expiresAt: new Date(Date.now() + pickupSeconds * 1000),
      });
      const pickupDeadline = Date.now() + pickupSeconds * 1000;
      for (;;) {
        context.heartbeat();
        const row = await commandByRequestId(db, command.requestId);
        if (row?.status === 'answered') {
          const outcome = await recordOutcome(db, deployment.id, row.response, build);
          if (outcome.ok) await pruneQuietly(retention, db, found.service.id);
          return outcome;
        }
        if (row?.status === 'cancelled' || row?.status === 'expired') {
          const message = `The agent of ${buildServer.name ?? "the service's server"} did not pick the build up within ${pickupSeconds} s (is it offline?)`;
          return { ok: false, error: { code: 'AGENT_UNREACHABLE', message } };
        }
        if (row?.status === 'pending' && Date.now() > pickupDeadline && (await withdrawPendingCommand(db, command.requestId))) continue;
        try {
          await sleep(pollIntervalMs, undefined, { signal: context.cancellationSignal });
        } catch (error) {
          if (context.cancellationSignal.aborted) {
            await withdrawPendingCommand(db, command.requestId);
            throw context.cancellationSignal.reason ?? error;
          }
          throw error;
        }
      }
    },
  };
}

/** Retention never fails a deploy: an image left behind is deleted after the next build. */
async function pruneQuietly(retention: BuiltImageRetention | null | undefined, db: Kysely<Database>, serviceId: string): Promise<void> {
  if (!retention) return;
  try {
    const deleted = await retention.prune(db, serviceId);
    if (deleted.length > 0) log.info('deleted built images beyond the kept ones', { serviceId, deleted });
  } catch (error) {
    log.warn('could not delete old built images; the next build tries again', { serviceId, error: error instanceof Error ? error.message : String(error) });
  }
}

async function recordOutcome(db: Kysely<Database>, deploymentId: string, response: unknown, build: BuildSpec): Promise<BuildOutcome> {
  const answer = CommandResponsePayload.safeParse(response);
  if (!answer.success) return { ok: false, error: { code: 'BUILD_FAILED', message: 'The agent answered the build in a shape this control plane does not read' } };
  if (!answer.data.success) {
    const { code, message } = answer.data.error;
    await recordBuildLogTail(db, deploymentId, message);
    return { ok: false, error: { code, message } };
  }
  const result = BuildResultData.safeParse(answer.data.data);
  if (!result.success) return { ok: false, error: { code: 'BUILD_FAILED', message: 'The agent reported a build without its image digest' } };
  // An agent older than inline Dockerfiles drops `content` without a word and builds the checkout's file: not what the service says to build.
  if (build.dockerfile.content !== undefined && result.data.dockerfile !== 'inline') {
    const message = "The building server's agent is older than inline Dockerfiles and built the repository's Dockerfile instead; update its agent and deploy again";
    await recordBuildLogTail(db, deploymentId, `${result.data.log_tail}\n${message}`);
    return { ok: false, error: { code: 'VERSION_NOT_SUPPORTED', message } };
  }
  const { image_digest: digest, commit_sha: sha, commit_message: message, duration_ms: durationMs, log_tail: logTail, detected_stack: detectedStack } = result.data;
  await recordBuildResult(db, deploymentId, { digest, sha, message, durationMs, logTail, detectedStack });
  return { ok: true, digest, cachedSteps: result.data.cached_steps, steps: result.data.steps };
}
