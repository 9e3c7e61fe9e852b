import type { Kysely } from 'kysely';
import type { Config } from '../../config/env.js';
import type { Database } from '../../db/postgres/database.js';
import { builtRepositoryOf } from '../operations/build-plan.js';
import { ensureTokenSigningKey } from './token-keys.js';
import { signRegistryToken } from './token-server.js';

/*
 * Built images kept for rollback: a service's last N builds (SYNTRA_BUILT_IMAGES_KEPT) and the
 * image it runs now; older ones are deleted from the registry by digest (the registry API's
 * DELETE of a manifest, which the registry allows since it runs with deletion on). A digest one
 * of the kept builds shares (a rebuild of the same content) is never deleted: a manifest deleted
 * by digest takes every tag with it. Deleting a manifest frees no disk by itself: the registry's
 * garbage collector does (docs/builds.md "The registry"). The worker signs its own registry token
 * with the token server's key, from the same data folder as the API's.
 */

const requestTimeoutMs = 10_000;

export interface BuiltImageRetention {
  /** Deletes the service's built images beyond the kept ones; returns the digests it deleted. */
  prune(db: Kysely<Database>, serviceId: string): Promise<string[]>;
}

export function builtImageRetentionOf(config: Pick<Config, 'REGISTRY_URL' | 'SYNTRA_BUILT_IMAGES_KEPT' | 'dataDir'>): BuiltImageRetention | null {
  if (!config.REGISTRY_URL) return null;
  const registryUrl = config.REGISTRY_URL.replace(/\/+$/, '');
  return {
    async prune(db, serviceId) {
      const builds = await db
        .selectFrom('deployments')
        .select(['id', 'image_digest'])
        .where('service_id', '=', serviceId)
        .where('build_spec', 'is not', null)
        .where('image_digest', 'is not', null)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const service = await db.selectFrom('services').select('current_deployment_id').where('id', '=', serviceId).executeTakeFirst();
      const kept = new Set(builds.slice(0, config.SYNTRA_BUILT_IMAGES_KEPT).map((build) => build.image_digest));
      const running = builds.find((build) => build.id === service?.current_deployment_id);
      if (running) kept.add(running.image_digest);
      const stale = [...new Set(builds.map((build) => build.image_digest!))].filter((digest) => !kept.has(digest));
      if (stale.length === 0) return [];
      const repository = builtRepositoryOf(serviceId);
      const token = signRegistryToken(await ensureTokenSigningKey(config.dataDir), 'syntra-retention', [
        { type: 'repository', name: repository, actions: ['delete'] },
      ]);
      for (const digest of stale) {
        const answer = await fetch(`${registryUrl}/v2/${repository}/manifests/${digest}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        // 404: deleted before (a retried prune), which is what was wanted.
        if (answer.status !== 202 && answer.status !== 404) throw new Error(`The registry answered ${answer.status} to deleting ${repository}@${digest}`);
      }
      return stale;
    },
  };
}
