import pg from 'pg';
import type { FastifyBaseLogger as Logger } from 'fastify';

const reconnectDelayMs = 1_000;

/**
 * LISTENs on the command outbox's channel with a dedicated connection (a pooled one would lose
 * the subscription). After a reconnect every server is reported once, because notifications sent
 * while the connection was down are gone: the gateway re-reads the outbox for its sessions.
 */
export function listenForCommands(url: string, onServer: (serverId: string | null) => void, log: Logger) {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => onServer(message.payload ?? null));
    next.on('error', (error) => {
      log.warn({ err: error }, 'outbox listener connection failed; reconnecting');
      next.end().catch(() => undefined);
      schedule();
    });
    try {
      await next.connect();
      await next.query('LISTEN agent_commands');
      if (closed) return void (await next.end());
      client = next;
      onServer(null);
    } catch (error) {
      log.warn({ err: error }, 'outbox listener could not connect; retrying');
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
