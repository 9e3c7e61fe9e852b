import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findPostgresTool } from '../../engines/postgres-tools.js';
import { freePort } from '../../engines/ports.js';

const run = promisify(execFile);

export interface DebianPostgres {
  /** The superuser's URL on the `postgres` database; `databaseUrl(name)` for another. */
  adminUrl: string;
  databaseUrl(name: string): string;
  stop(): Promise<void>;
}

/** PostgreSQL refuses to run as root: a root test runs it as Debian's `postgres` system user. */
async function serverAccount(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await run('id', [flag, 'postgres'])).stdout.trim())));
  return { uid: uid!, gid: gid! };
}

/**
 * Debian's PostgreSQL server (the `postgresql` package, not the embedded engine) as an external
 * database would be: its own cluster in a temporary folder, on 127.0.0.1 and a free port, no Unix
 * socket, password authentication. Stopped and removed by `stop()`.
 */
export async function startDebianPostgres(): Promise<DebianPostgres> {
  const [initdb, pgCtl] = await Promise.all([findPostgresTool('initdb'), findPostgresTool('pg_ctl')]);
  if (!initdb || !pgCtl) throw new Error('Debian PostgreSQL server is missing: `syntra setup --tests` installs the postgresql package');
  const account = await serverAccount();
  const dir = await mkdtemp(path.join(tmpdir(), 'syntra-debian-pg-'));
  const dataDir = path.join(dir, 'data');
  const password = randomBytes(18).toString('hex');
  await writeFile(path.join(dir, 'password'), password, { mode: 0o600 });
  if (account) await chown(dir, account.uid, account.gid);
  if (account) await chown(path.join(dir, 'password'), account.uid, account.gid);
  const asServer = account ? { uid: account.uid, gid: account.gid } : {};
  await run(initdb.path, ['-D', dataDir, '-U', 'syntra', '--pwfile', path.join(dir, 'password'), '--auth', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C'], {
    ...asServer,
    cwd: dir,
  });
  const port = await freePort();
  // Crash safety is traded for speed, as the embedded test cluster does.
  const options = `-h 127.0.0.1 -p ${port} -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  await run(pgCtl.path, ['-D', dataDir, '-o', options, '-l', path.join(dir, 'server.log'), '-w', 'start'], { ...asServer, cwd: dir });
  const databaseUrl = (name: string) => `postgres://syntra:${password}@127.0.0.1:${port}/${name}`;
  return {
    adminUrl: databaseUrl('postgres'),
    databaseUrl,
    async stop() {
      await run(pgCtl.path, ['-D', dataDir, '-m', 'fast', '-w', 'stop'], { ...asServer, cwd: dir }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
