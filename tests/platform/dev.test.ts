import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assertPortFree } from '../../engines/ports.js';
import { findTemporalCli } from '../../engines/temporal-cli.js';
import { devSandbox, startDev, stopDev, type DevSandbox } from '../support/dev-process.js';

const run = promisify(execFile);

/** `syntra dev` exactly as a developer runs it, on ports and a data folder of its own. */
describe('syntra dev', () => {
  let sandbox: DevSandbox;
  let env: NodeJS.ProcessEnv;
  let ports: DevSandbox['ports'];
  let namespace: string;

  beforeAll(async () => {
    // No Docker Engine here (tests/ui/first-deploy.test.ts covers the one that answers).
    sandbox = await devSandbox('dev', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    ({ env, ports, namespace } = sandbox);
  });
  afterAll(async () => {
    await sandbox?.cleanup();
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
      // Said once, and the platform runs without a server of its own.
      expect(first.output.match(/This machine +not offered: no Docker Engine answers at unix:\/\/\/nonexistent\/docker.sock/g)).toHaveLength(1);
      expect(await withDevDatabase(env, ports.postgres, (db) => db.query('SELECT id FROM servers'))).toMatchObject({ rows: [] });

      expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);
      // The platform's registry, data in the data folder, its garbage collected by default, sending Docker to the API's token server.
      expect(first.output).toMatch(new RegExp(`Registry +127\\.0\\.0\\.1:${ports.registry} \\(${env.SYNTRA_DATA_DIR}/registry, garbage collected every 24 h\\)`));
      const registry = await fetch(`http://127.0.0.1:${ports.registry}/v2/`);
      expect(registry.status).toBe(401);
      expect(registry.headers.get('www-authenticate')).toContain(`realm="http://127.0.0.1:${ports.api}/registry/token"`);
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
