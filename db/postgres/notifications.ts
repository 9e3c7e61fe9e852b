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

/**
 * One dedicated connection (a pooled one would lose its subscriptions) LISTENing on every channel
 * some part of the process follows, reconnecting every second while the database is away. After a
 * reconnect each channel is LISTENed again and its followers' `onConnected` runs.
 */
export class NotificationListener {
  private readonly channels = new Map<string, ChannelHandlers[]>();
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private connecting: Promise<void>;
  private commands: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.connecting = this.connect();
  }

  /** Follows `channel`; resolves once its LISTEN is in place (or the connection is retrying). */
  async listen(channel: string, handlers: ChannelHandlers): Promise<void> {
    const followers = this.channels.get(channel) ?? [];
    followers.push(handlers);
    this.channels.set(channel, followers);
    await this.connecting;
    const client = this.client;
    if (!client) return;
    try {
      await this.listenOn(client, channel);
      handlers.onConnected?.();
    } catch (error) {
      this.log.warn({ channel }, `could not LISTEN (${error instanceof Error ? error.message : String(error)}); the reconnect will`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  /* One command at a time on the connection: pg queues overlapping queries, but warns that it will stop. */
  private listenOn(client: pg.Client, channel: string): Promise<unknown> {
    const run = this.commands.then(() => client.query(`LISTEN ${pg.escapeIdentifier(channel)}`));
    this.commands = run.catch(() => undefined);
    return run;
  }

  private followers(): ChannelHandlers[] {
    return [...this.channels.values()].flat();
  }

  private async connect(): Promise<void> {
    const next = new pg.Client({ connectionString: this.url });
    next.on('notification', (message) => {
      for (const handlers of this.channels.get(message.channel) ?? []) handlers.onNotification(message.payload ?? '');
    });
    next.on('error', (error) => {
      this.log.warn(`notification listener connection failed (${error.message}); reconnecting`);
      if (this.client === next) {
        this.client = undefined;
        for (const handlers of this.followers()) handlers.onDisconnected?.();
      }
      next.end().catch(() => undefined);
      this.schedule();
    });
    try {
      await next.connect();
      for (const channel of this.channels.keys()) await this.listenOn(next, channel);
      if (this.closed) return void (await next.end());
      this.client = next;
      for (const handlers of this.followers()) handlers.onConnected?.();
    } catch (error) {
      this.log.warn(`notification listener could not connect (${error instanceof Error ? error.message : String(error)}); retrying`);
      next.end().catch(() => undefined);
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connecting = this.connect();
    }, reconnectDelayMs);
  }
}

/** NOTIFY `channel` with a JSON payload; inside a transaction it is delivered on commit, or never. */
export async function notify(db: Kysely<Database>, channel: string, payload: Record<string, unknown>): Promise<void> {
  await sql`SELECT pg_notify(${channel}, ${JSON.stringify(payload)})`.execute(db);
}
