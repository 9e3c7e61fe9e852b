import { sql, type Kysely } from 'kysely';
import { buildServerTag } from '../../contracts/index.js';
import type { Database, DeploymentRow } from '../postgres/database.js';

/*
 * A deployment's build statuses: queued → building → pushing, each move conditional on the status
 * it leaves (a retried activity or a repeated agent report changes nothing twice), and what the
 * build found out: the commit, the digest it pushed, how long it took, the end of its log.
 */

/**
 * Where a deployment builds, decided once (a retried activity keeps it): an online server of the
 * service's organization tagged `build` with the service's server's CPU architecture (an image
 * runs on the architecture it was built on), the one with the fewest builds under way (each
 * builds one at a time), else the service's own server. The image goes through the platform's
 * registry either way, so the service's server pulls what another built.
 */
export async function assignBuildServer(db: Kysely<Database>, id: string): Promise<{ id: string; name: string; own: boolean }> {
  await sql`UPDATE deployments AS d SET build_server_id = COALESCE(
      (SELECT candidate.id FROM servers AS candidate
        WHERE candidate.org_id = target.org_id AND candidate.status = 'online' AND ${buildServerTag} = ANY(candidate.tags)
          AND candidate.arch IS NOT DISTINCT FROM target.arch
        ORDER BY (SELECT count(*) FROM deployments AS busy
                   WHERE busy.build_server_id = candidate.id AND busy.status IN ('building', 'pushing')), candidate.id
        LIMIT 1),
      target.id)
    FROM services AS service JOIN servers AS target ON target.id = service.server_id
    WHERE d.id = ${id} AND service.id = d.service_id AND d.build_server_id IS NULL`.execute(db);
  const chosen = await db
    .selectFrom('deployments')
    .innerJoin('services', 'services.id', 'deployments.service_id')
    .innerJoin('servers', 'servers.id', 'deployments.build_server_id')
    .select(['servers.id', 'servers.name', 'services.server_id'])
    .where('deployments.id', '=', id)
    .executeTakeFirstOrThrow();
  return { id: chosen.id, name: chosen.name, own: chosen.id === chosen.server_id };
}

/** The server that built a deployment, while it exists. */
export async function buildServerOf(db: Kysely<Database>, deployment: DeploymentRow): Promise<{ id: string; name: string } | undefined> {
  if (deployment.build_server_id === null) return undefined;
  return db.selectFrom('servers').select(['id', 'name']).where('id', '=', deployment.build_server_id).executeTakeFirst();
}

/** queued → building, the deployment's start. Undefined when it is not queued any more. */
export async function startBuild(db: Kysely<Database>, id: string): Promise<DeploymentRow | undefined> {
  return db
    .updateTable('deployments')
    .set({ status: 'building', started_at: sql<Date>`clock_timestamp()` })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .returningAll()
    .executeTakeFirst();
}

/** building → pushing. Undefined when it was not building (a repeat, or cancelled meanwhile). */
export async function markPushing(db: Kysely<Database>, id: string): Promise<DeploymentRow | undefined> {
  return db.updateTable('deployments').set({ status: 'pushing' }).where('id', '=', id).where('status', '=', 'building').returningAll().executeTakeFirst();
}

/** The commit the agent checked out, as soon as it knows it. */
export async function recordBuildCommit(db: Kysely<Database>, id: string, commit: { sha: string; message: string }): Promise<void> {
  await db.updateTable('deployments').set({ git_commit_sha: commit.sha, git_commit_message: commit.message }).where('id', '=', id).execute();
}

/** A finished build: the image's digest (also pinned in the spec, so the rollout and every rollback pull exactly it). */
export async function recordBuildResult(
  db: Kysely<Database>,
  id: string,
  result: { digest: string; sha: string; message: string; durationMs: number; logTail: string; detectedStack?: string | undefined },
): Promise<void> {
  await db
    .updateTable('deployments')
    .set({
      image_digest: result.digest,
      git_commit_sha: result.sha,
      git_commit_message: result.message,
      build_duration_ms: result.durationMs,
      build_logs: result.logTail,
      spec: sql`jsonb_set(spec, '{image,digest}', to_jsonb(${result.digest}::text))`,
      ...(result.detectedStack && { build_spec: sql`jsonb_set(build_spec, '{detected}', to_jsonb(${result.detectedStack}::text))` }),
    })
    .where('id', '=', id)
    .execute();
}

/** A failed build's last lines, kept with the deployment. */
export async function recordBuildLogTail(db: Kysely<Database>, id: string, logTail: string): Promise<void> {
  await db.updateTable('deployments').set({ build_logs: logTail }).where('id', '=', id).execute();
}
