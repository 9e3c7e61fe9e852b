import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { CommandResponsePayload, DeploymentSpec } from '../contracts/index.js';
import type { SecretCipher } from '../control/secrets/cipher.js';
import { registryAuthOf } from '../control/secrets/registry-credentials.js';
import { mintRegistryCredential, pullCredentialSeconds } from '../control/registry/credentials.js';
import { sealDeployCommand } from '../control/secrets/command-secrets.js';
import { decryptedEnv } from '../control/secrets/service-env.js';
import { serviceResource } from '../control/resources/service.js';
import { commandByRequestId, enqueueAgentCommand, withdrawPendingCommand } from '../db/queries/agent-commands.js';
import type { Database } from '../db/postgres/database.js';
import { deploymentById, serviceWithProject } from '../db/queries/deployments.js';
import type { CommandOutcome, CommandState, ServiceCommand } from '../contracts/operations.js';
import { deployPayloadOf } from './deploy-payload.js';

/*
 * Activities that talk to agents, through the durable outbox only: a command is a row, delivered
 * by whichever gateway holds the agent's socket (at once, or when the agent says hello again).
 * Enqueueing is idempotent by `request_id`, so a retried activity never sends a command twice.
 * Each command records the workflow that ran the activity: the one waiting for its reports.
 */

export function dispatchActivities({ db, secrets, registry }: { db: Kysely<Database>; secrets: SecretCipher; registry: string | null }) {
  return {
    /**
     * Queues the `deploy` of a deployment's recorded spec on its service's server, its secrets
     * sealed (the gateway opens them as it sends). The command expires unsent after the deploy's
     * timeout: an agent back after that must not run it.
     */
    async sendDeploy(command: { deploymentId: string; requestId: string }): Promise<void> {
      const deployment = await deploymentById(db, command.deploymentId);
      const found = deployment && (await serviceWithProject(db, deployment.service_id));
      if (!deployment?.spec || !found) {
        throw ApplicationFailure.nonRetryable(`Deployment ${command.deploymentId} or its service is gone, or it records no spec`, 'NOT_FOUND');
      }
      const spec = DeploymentSpec.parse(deployment.spec);
      const { service } = found;
      // An image the platform built is pulled with a credential for its repository alone, minted
      // now and short-lived; any other with the service's own credentials, and only from the
      // registry the service names now.
      const current = serviceResource(service);
      const sameRegistry = current.source_type === 'image' && current.source_config.image.registry === spec.image.registry;
      const registryAuth =
        registry !== null && spec.image.registry === registry
          ? mintRegistryCredential(secrets, { repository: spec.image.repository, actions: ['pull'], ttlSeconds: spec.timeout_seconds + pullCredentialSeconds })
          : sameRegistry
            ? registryAuthOf(secrets, service)
            : null;
      const payload = deployPayloadOf(
        spec,
        { requestId: command.requestId, deploymentId: deployment.id, serviceId: service.id },
        { envVars: await decryptedEnv(db, secrets, service.id), registryAuth },
      );
      await enqueueAgentCommand(db, {
        serverId: service.server_id,
        requestId: command.requestId,
        workflowId: sendingWorkflowId(),
        deploymentId: deployment.id,
        type: 'deploy',
        ...sealDeployCommand(secrets, payload),
        expiresAt: new Date(Date.now() + spec.timeout_seconds * 1000),
      });
    },

    /**
     * Queues a command on `serverId`; `cancel_build` goes where the deployment builds, which may
     * be a build server: the workflow names the service's server, as its recorded histories do.
     */
    async sendCommand(command: ServiceCommand & { serverId: string; expiresInSeconds: number }): Promise<void> {
      const building = command.type === 'cancel_build' ? await deploymentById(db, command.payload.deployment_id) : undefined;
      await enqueueAgentCommand(db, {
        serverId: building?.build_server_id ?? command.serverId,
        requestId: command.payload.request_id,
        workflowId: sendingWorkflowId(),
        type: command.type,
        payload: command.payload,
        expiresAt: new Date(Date.now() + command.expiresInSeconds * 1000),
      });
    },

    /** True when the agent had not received it yet, and now never will. */
    async withdrawCommand(requestId: string): Promise<boolean> {
      return withdrawPendingCommand(db, requestId);
    },

    /**
     * What the outbox knows of a command. Signals are the fast path; this is the slow one, for an
     * answer whose signal was lost (the API died between storing the answer and signalling).
     */
    async commandState(requestId: string): Promise<CommandState> {
      const row = await commandByRequestId(db, requestId);
      if (!row) return { delivered: false, outcome: null };
      const answer = row.response === null ? undefined : CommandResponsePayload.safeParse(row.response);
      const outcome: CommandOutcome | null = !answer?.success
        ? null
        : answer.data.success
          ? { ok: true }
          : { ok: false, error: { code: answer.data.error.code, message: answer.data.error.message } };
      return { delivered: row.status === 'sent' || row.status === 'answered', outcome };
    },
  };
}

/** The workflow that scheduled the running activity: it sent the command, and it waits for the reports. */
const sendingWorkflowId = () => Context.current().info.workflowExecution?.workflowId;
