import type { FastifyInstance } from 'fastify';

/* Bounds staleness even if a notification were missed; the NOTIFY is what makes changes visible at once. */
const maxAgeMs = 60_000;
const maxEntries = 10_000;

/**
 * A per-process cache of database reads that PostgreSQL tells it to forget: every entry is dropped
 * when its channel is notified (a trigger on the tables it reads), and nothing is cached while the
 * channel cannot be heard. A generation counter keeps a read that raced a change from storing what
 * it read before it.
 */
export class NotifiedCache<Entry> {
  private readonly entries = new Map<string, { entry: Entry; storedAt: number }>();
  private generation = 0;
  private listening = false;

  get(key: string): Entry | undefined {
    const found = this.entries.get(key);
    if (!found) return undefined;
    if (Date.now() - found.storedAt > maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return found.entry;
  }

  /** The cached entry, or `read()`'s result, kept unless something changed while it was read. */
  async through(key: string, read: () => Promise<Entry | undefined>): Promise<Entry | undefined> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const entry = await read();
    if (entry !== undefined && this.listening && generation === this.generation) {
      // Oldest first out: a Map iterates in insertion order.
      if (this.entries.size >= maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { entry, storedAt: Date.now() });
    }
    return entry;
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** Whether changes can be heard; caching is off (and emptied) while they cannot. */
  setListening(listening: boolean): void {
    this.listening = listening;
    this.clear();
  }
}

/** Clears `caches` on every notification of `channel`, for the app's lifetime. */
export function followChannel(app: FastifyInstance, channel: string, caches: NotifiedCache<unknown>[]): Promise<void> {
  return app.notifications.listen(channel, {
    onNotification: () => caches.forEach((cache) => cache.clear()),
    onConnected: () => caches.forEach((cache) => cache.setListening(true)),
    onDisconnected: () => caches.forEach((cache) => cache.setListening(false)),
  });
}
