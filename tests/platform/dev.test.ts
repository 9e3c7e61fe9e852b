import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assertPortFree, freePort } from '../../engines/ports.js';
import { findTemporalCli } from '../../engines/temporal-cli.js';
import { loadTemporalDevConfig } from '../../engines/temporal-config.js';

const run = promisify(execFile);

/** `syntra dev` exactly as a developer runs it, on ports and a data folder of its own. */
describe('syntra dev', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let ports: { api: number; postgres: number; temporal: number; http: number; metrics: number; ui: number };
  const namespace = 'syntra';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'syntra-dev-'));
    // PostgreSQL runs as the `postgres` user when tests run as root; it must reach its folder.
    await chmod(dataDir, 0o755);
    ports = { api: await freePort(), postgres: await freePort(), temporal: await freePort(), http: await freePort(), metrics: await freePort(), ui: await freePort() };
    const yaml = await loadTemporalDevConfig('temporal-dev.yaml');
    const yamlFile = path.join(dataDir, 'temporal-dev.yaml');
    await writeFile(yamlFile, stringify({
      ...yaml,
      namespace,
      frontend: { ...yaml.frontend, port: ports.temporal, http_port: ports.http, metrics_port: ports.metrics },
      ui: { ...yaml.ui, port: ports.ui },
    }));
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(ports.api),
      SYNTRA_POSTGRES_PORT: String(ports.postgres),
      SYNTRA_DATA_DIR: path.join(dataDir, 'data'),
      SYNTRA_TEMPORAL_CONFIG: yamlFile,
      SYNTRA_TOOLS_DIR: inject('toolsDir'),
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts every engine, reports them healthy, stops cleanly, and keeps data for the next run', async () => {
    const first = await startDev(env);
    try {
      const health = await (await fetch(`http://127.0.0.1:${ports.api}/api/v1/health`)).json();
      expect(health.data.status).toBe('ok');
      expect(health.data.dependencies.postgres).toMatchObject({ status: 'up', mode: 'embedded' });
      expect(health.data.dependencies.clickhouse).toMatchObject({ status: 'up', mode: 'embedded' });
      expect(health.data.dependencies.temporal).toMatchObject({ status: 'up', mode: 'embedded' });
      expect(first.output).toContain(`http://127.0.0.1:${ports.ui}/namespaces/${namespace}/workflows`);

      expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);
      const cli = await findTemporalCli(inject('toolsDir'));
      const described = await run(cli!, ['operator', 'namespace', 'describe', '--address', `127.0.0.1:${ports.temporal}`, '--namespace', namespace]);
      expect(described.stdout).toContain(namespace);

      await withDevDatabase(env, ports.postgres, (db) => db.query(`INSERT INTO users (email) VALUES ('kept@example.com')`));
    } finally {
      expect(await stopDev(first.child)).toBe(0);
    }
    for (const port of Object.values(ports)) await assertPortFree(port, 'after stop');
    process.stdout.write(`syntra dev cold start: ${first.seconds.toFixed(1)} s\n`);

    const second = await startDev(env);
    try {
      // The owner bootstrapped by the first start, the row written since, and no second owner.
      const rows = await withDevDatabase(env, ports.postgres, (db) => db.query(`SELECT email FROM users ORDER BY created_at`));
      expect(rows.rows).toEqual([{ email: 'owner@localhost' }, { email: 'kept@example.com' }]);
    } finally {
      expect(await stopDev(second.child)).toBe(0);
    }
    process.stdout.write(`syntra dev warm start: ${second.seconds.toFixed(1)} s\n`);
  }, 400_000);

  it('stops at once with the variable named when the environment is invalid', async () => {
    const result = await runToExit({ ...env, PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/PORT: /);
  });

  it('reports a port that is already in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.api, '127.0.0.1', resolve));
    try {
      const result = await runToExit(env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${ports.api}`);
      expect(result.stderr).toContain('already in use');
    } finally {
      blocker.close();
    }
  });
});

async function startDev(env: NodeJS.ProcessEnv) {
  const began = Date.now();
  const child = spawn(process.execPath, ['bin/syntra.js', 'dev'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`syntra dev did not come up:\n${output}`)), 240_000);
    child.stdout!.on('data', () => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`syntra dev exited with ${code}:\n${output}`)));
  });
  return { child, output, seconds: (Date.now() - began) / 1000 };
}

async function stopDev(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

async function runToExit(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['bin/syntra.js', 'dev'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stderr };
}

async function withDevDatabase<T>(env: NodeJS.ProcessEnv, port: number, use: (db: pg.Client) => Promise<T>): Promise<T> {
  const password = (await readFile(path.join(env.SYNTRA_DATA_DIR!, 'postgres', 'superuser.secret'), 'utf8')).trim();
  const db = new pg.Client({ host: '127.0.0.1', port, user: 'syntra', password, database: 'syntra' });
  await db.connect();
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}
