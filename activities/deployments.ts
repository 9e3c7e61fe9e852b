import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { DeploymentSpec } from '../contracts/index.js';
import type { FinalDeploymentStatus } from '../contracts/operations.js';
import type { Database } from '../db/postgres/database.js';
import { rollbackDeploymentOf } from '../control/operations/rollback-deployment.js';
import { recordStatusChange } from '../db/queries/deployment-events.js';
import {
  deploymentById,
  finishDeployment,
  insertDeploymentOnce,
  lastGoodDeployment,
  setCurrentDeployment,
  startDeployment,
} from '../db/queries/deployments.js';

/*
 * Activities that move a deployment through its statuses. Each move is conditional on the status
 * it leaves and commits with its event, so a retried activity (the worker died after the commit)
 * finds the work done and changes nothing twice.
 */


export function deploymentActivities({ db }: { db: Kysely<Database> }) {
  return {
    /** queued → deploying; false when it is not queued any more (cancelled while it waited). */
    async markDeploying(deploymentId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        if (await startDeployment(trx, deploymentId)) {
          await recordStatusChange(trx, { deploymentId, status: 'deploying', message: 'Sending the deploy to the agent' });
          return true;
        }
        // A retry after a commit finds it deploying already: that is this workflow's own start.
        return (await deploymentById(trx, deploymentId))?.status === 'deploying';
      });
    },

    /**
     * The deployment's final status. `running` also makes it the service's current deployment with
     * the replicas it deployed.
     */
    async finishDeployment(change: { deploymentId: string; status: FinalDeploymentStatus; message: string; errorCode?: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const failed = change.status !== 'running';
        const finished = await finishDeployment(trx, change.deploymentId, change.status, failed ? change.message : null);
        if (!finished) return;
        if (change.status === 'running') {
          const spec = DeploymentSpec.parse(finished.spec);
          await setCurrentDeployment(trx, finished.service_id, finished.id, spec.config.replicas);
        }
        await recordStatusChange(trx, { deploymentId: change.deploymentId, status: change.status, message: change.message, errorCode: change.errorCode });
      });
    },

    /** The deployment a failed one would return to, if any ran before it. */
    async lastGoodDeployment(query: { serviceId: string; exceptId: string }): Promise<string | null> {
      return (await lastGoodDeployment(db, query.serviceId, query.exceptId))?.id ?? null;
    },

    /**
     * A new deployment that redeploys `targetId`'s spec, for an automatic rollback of `failedId`.
     * Its id comes from the workflow, so a retry inserts nothing twice.
     */
    async createRollbackDeployment(rollback: { id: string; failedId: string; targetId: string; workflowId: string }): Promise<void> {
      const [failed, target] = await Promise.all([deploymentById(db, rollback.failedId), deploymentById(db, rollback.targetId)]);
      if (!failed || !target?.spec) {
        throw ApplicationFailure.nonRetryable(`Deployment ${rollback.failedId} or its rollback target ${rollback.targetId} is gone`, 'NOT_FOUND');
      }
      await insertDeploymentOnce(db, rollbackDeploymentOf(target, { id: rollback.id, triggeredBy: failed.triggered_by, workflowId: rollback.workflowId }));
    },
  };
}
