import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import type { Logger } from 'pino';

const reconnectDelayMs = 1_000;

export interface ChannelHandlers {
  onNotification(payload: string): void;
  /**
   * After every (re)connection. Notifications sent while the connection was down are gone, so a
   * listener re-reads whatever it follows here.
   */
  onConnected?(): void;
  /** When the connection is lost: nothing is heard until the next `onConnected`. */
  onDisconnected?(): void;
}

export interface ChannelListener {
  /** Settles once the first LISTEN is in place (or the first attempt failed and a retry is scheduled). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * LISTENs on one PostgreSQL channel with a dedicated connection (a pooled one would lose the
 * subscription), reconnecting every second while the database is away.
 */
export function listenToChannel(url: string, channel: string, handlers: ChannelHandlers, log: Pick<Logger, 'warn'>): ChannelListener {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotification(message.payload ?? '');
    });
    next.on('error', (error) => {
      log.warn({ channel }, `listener connection failed (${error.message}); reconnecting`);
      if (client === next) handlers.onDisconnected?.();
      next.end().catch(() => undefined);
      schedule();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed) return void (await next.end());
      client = next;
      handlers.onConnected?.();
    } catch (error) {
      log.warn({ channel }, `listener could not connect (${error instanceof Error ? error.message : String(error)}); retrying`);
      next.end().catch(() => undefined);
      schedule();
    }
  };
  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, reconnectDelayMs);
  };

  const ready = connect();
  return {
    ready,
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

/** NOTIFY `channel` with a JSON payload; inside a transaction it is delivered on commit, or never. */
export async function notify(db: Kysely<Database>, channel: string, payload: Record<string, unknown>): Promise<void> {
  await sql`SELECT pg_notify(${channel}, ${JSON.stringify(payload)})`.execute(db);
}
