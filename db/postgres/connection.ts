import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from './database.js';

export interface DbOptions {
  /** Pool size; pg's own default is 10. */
  max?: number;
  /** Receives pool errors, failed queries (error) and every query's SQL and duration (debug). */
  log?: Logger;
}

export function createDb(url: string, options: DbOptions = {}): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  const log = options.log;
  // An idle client whose connection drops emits 'error' on the pool; unhandled, that kills the process.
  // Not the error object itself: pg hangs the whole client on it, connection parameters included.
  pool.on('error', (error: Error & { code?: string }) => log?.error({ code: error.code }, `idle PostgreSQL connection failed: ${error.message}`));
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    // Parameters are never logged: they carry token hashes and encrypted env vars.
    log: log
      ? (event) => {
          const fields = { sql: event.query.sql, durationMs: event.queryDurationMillis };
          if (event.level === 'error') log.error({ ...fields, err: event.error }, 'query failed');
          else log.debug(fields, 'query');
        }
      : undefined,
  });
}

export async function postgresVersion(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ server_version: string }>`SHOW server_version`.execute(db);
  const version = rows[0]?.server_version;
  if (version === undefined) throw new Error('SHOW server_version returned no row');
  return version;
}
