import { type Kysely, sql } from 'kysely';

/**
 * What durable operations need beyond the contract's columns:
 * - `deployments.spec`: what the deployment deployed (image, replicas, limits, health check,
 *   networking, strategy, timeout) as the contract's `DeploymentSpec`, so a rollback redeploys
 *   exactly that, whatever the service has become since. Env values and registry passwords stay
 *   out of it: they are read, sealed, from the service at dispatch time.
 * - `deployments.workflow_id`: the Temporal workflow that runs it, for signals and Temporal Web.
 * - `deployment_events`: every progress report of an agent and every status change of the
 *   control plane, in order. Each insert notifies the `deployment_events` channel with
 *   `{id, deployment_id, service_id, org_id}` (small, well under NOTIFY's 8 kB) for live fan-out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE deployments
    ADD COLUMN spec JSONB,
    ADD COLUMN workflow_id VARCHAR(255)`.execute(db);
  // The newest deployments of a service first: GET /services/:id/deployments and "the last good one".
  await sql`CREATE INDEX idx_deployments_service_created ON deployments(service_id, created_at DESC)`.execute(db);

  await sql`CREATE TABLE deployment_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    deployment_id UUID NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    source VARCHAR(20) NOT NULL CHECK (source IN ('agent', 'control_plane')),
    status VARCHAR(30) NOT NULL,
    phase VARCHAR(30),
    progress_percent SMALLINT CHECK (progress_percent BETWEEN 0 AND 100),
    message TEXT NOT NULL,
    logs JSONB NOT NULL DEFAULT '[]',
    container_id VARCHAR(255),
    error_code VARCHAR(100),
    at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
  )`.execute(db);
  await sql`CREATE INDEX idx_deployment_events_deployment ON deployment_events(deployment_id, at)`.execute(db);

  await sql`CREATE FUNCTION notify_deployment_event()
  RETURNS TRIGGER AS $$
  BEGIN
      PERFORM pg_notify('deployment_events', json_build_object(
        'id', NEW.id, 'deployment_id', NEW.deployment_id, 'service_id', NEW.service_id, 'org_id', NEW.org_id
      )::text);
      RETURN NULL;
  END;
  $$ LANGUAGE plpgsql`.execute(db);
  await sql`CREATE TRIGGER deployment_events_notify AFTER INSERT ON deployment_events
    FOR EACH ROW EXECUTE FUNCTION notify_deployment_event()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE deployment_events`.execute(db);
  await sql`DROP FUNCTION notify_deployment_event()`.execute(db);
  await sql`DROP INDEX idx_deployments_service_created`.execute(db);
  await sql`ALTER TABLE deployments DROP COLUMN spec, DROP COLUMN workflow_id`.execute(db);
}
