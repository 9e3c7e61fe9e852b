import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/postgres/database.js';
import { deploymentsInFlight } from '../db/queries/deployments.js';
import { collectRegistryGarbage, type GarbageCollection } from '../engines/registry-garbage.js';
import type { RunningRegistry } from '../engines/registry.js';

/*
 * `syntra dev` collects its registry's garbage every SYNTRA_REGISTRY_GC_HOURS. The timer lives in
 * the process that started the registry, not in a Temporal schedule run by the worker: collecting
 * means restarting the registry read-only and back, which only its parent can do. The registry is
 * down for a moment at each restart and refuses pushes in between, so a collection waits for a
 * moment when no deployment is building, pushing or rolling out (a build that reaches its push in
 * the few seconds a collection takes has its push refused, and the agent tries it again for up to
 * a minute: agent/build/buildkit.ts).
 */

/** How soon a collection postponed by a deployment in flight tries again, by default. */
const busyRetryDefaultMs = 60_000;

export interface RegistryGarbageSchedule {
  /** Stops the timer, after the collection under way (if any) has finished. */
  stop(): Promise<void>;
}

export function scheduleRegistryGarbage(options: {
  registry: RunningRegistry;
  intervalMs: number;
  busyRetryMs?: number;
  db: Kysely<Database>;
  log: Logger;
}): RegistryGarbageSchedule {
  const { registry, intervalMs, busyRetryMs = busyRetryDefaultMs, db, log } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let underWay: Promise<void> = Promise.resolve();

  const plan = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      underWay = collect().then(plan);
    }, delayMs);
  };
  const collect = async (): Promise<number> => {
    try {
      const inFlight = await deploymentsInFlight(db);
      if (inFlight > 0) {
        log.info({ inFlight }, 'registry garbage collection postponed: deployments are building or rolling out');
        return busyRetryMs;
      }
      const collected: GarbageCollection = await collectRegistryGarbage(registry);
      log.info({ ...collected, freedBytes: collected.beforeBytes - collected.afterBytes }, 'registry garbage collected');
    } catch (error) {
      log.error({ err: error }, 'registry garbage collection failed; the next one tries again');
    }
    return intervalMs;
  };

  plan(intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await underWay;
    },
  };
}
