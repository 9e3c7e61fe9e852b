import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { HeartbeatPayload } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';
import { recordHeartbeats } from '../../db/queries/server-presence.js';

const flushIntervalMs = 200;

/**
 * Heartbeats are state, not events: only each server's latest matters. They are kept in memory
 * and written in one statement per flush, which is what lets one process hold thousands of
 * agents. A heartbeat lost to a crash is replaced by the agent's next one.
 */
export class HeartbeatWriter {
  private pending = new Map<string, { serverId: string; receivedAt: Date; heartbeat: HeartbeatPayload }>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: FastifyBaseLogger,
  ) {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  record(serverId: string, heartbeat: HeartbeatPayload): void {
    this.pending.set(serverId, { serverId, receivedAt: new Date(), heartbeat });
  }

  /** Writes what is pending; flushes never overlap, so a slow one delays, never reorders. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending.values()];
      this.pending = new Map();
      await recordHeartbeats(this.db, batch).catch((error: unknown) => {
        this.log.error({ err: error, heartbeats: batch.length }, 'could not store heartbeats');
      });
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
