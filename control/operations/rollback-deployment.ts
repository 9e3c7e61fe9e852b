import type { DeploymentRow, NewDeployment } from '../../db/postgres/database.js';

/**
 * The deployment that returns a service to `target`: its spec and source again, marked as a
 * rollback from it. Made by a person's rollback and by a failed deploy's automatic one alike.
 */
export function rollbackDeploymentOf(
  target: DeploymentRow,
  rollback: { id: string; triggeredBy: string | null; workflowId: string },
): NewDeployment & { id: string } {
  return {
    id: rollback.id,
    service_id: target.service_id,
    status: 'queued',
    spec: JSON.stringify(target.spec),
    image_digest: target.image_digest,
    git_commit_sha: target.git_commit_sha,
    git_commit_message: target.git_commit_message,
    git_branch: target.git_branch,
    triggered_by: rollback.triggeredBy,
    trigger_type: 'rollback',
    rollback_from_id: target.id,
    workflow_id: rollback.workflowId,
  };
}
