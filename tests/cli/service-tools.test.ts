import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAgent, type RunningAgent } from '../../agent/main.js';
import { EnvVar } from '../../contracts/api/resources.js';
import { LogEntry } from '../../contracts/telemetry/records.js';
import { startOperationsStack, type OperationsStack } from '../operations/operations-stack.js';
import { imageService } from '../operations/stack.js';
import { cliHome, escapeCode } from './run-cli.js';

/*
 * `syntra env`, `exec`, `logs`, `issues` and `open` against the real platform: a variable set
 * through the CLI reaches the container a CLI deploy starts, whose output comes back through
 * `logs` and `exec`.
 */

let stack: OperationsStack;
let home: Awaited<ReturnType<typeof cliHome>>;
let serviceName: string;
let serviceId: string;
let agentDataDir: string;
let agent: RunningAgent | undefined;

beforeAll(async () => {
  stack = await startOperationsStack('cli-tools');
  // The stack's agent collects no telemetry: this one, for the same server, ships the containers' logs.
  await stack.host.stopAgent();
  agentDataDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-cli-tools-agent-'));
  agent = await runAgent({ url: stack.baseUrl, token: stack.host.token, serverId: stack.host.server.id, log: pino({ level: 'silent' }), telemetry: { dataDir: agentDataDir, host: '127.0.0.1', port: 0 } });
  const service = await imageService(stack.api.platform.db, stack.api.platform.secrets, stack.registry, { projectId: stack.project.id, serverId: stack.host.server.id });
  stack.serviceIds.push(service.id);
  serviceId = service.id;
  serviceName = `${stack.project.slug}/${service.name}`;
  home = await cliHome();
  const login = await home.run(['login', '--url', stack.baseUrl, '--token-stdin'], { stdin: stack.api.ownerToken });
  expect(login.code, login.stderr).toBe(0);
});

afterAll(async () => {
  await home?.cleanup();
  await agent?.stop();
  await stack?.stop();
  if (agentDataDir) await rm(agentDataDir, { recursive: true, force: true });
});

describe('environment variables', () => {
  it('sets pairs and .env files, lists them masked, and reveals them on request', async () => {
    const dotenv = `${home.configDir}.env`;
    await writeFile(dotenv, '# from a file\nexport TICK=1\nAPI_KEY="s3cret value"\n');
    expect((await home.run(['env', 'set', serviceName, 'GREETING=cli-tester'])).code).toBe(0);
    const secret = await home.run(['env', 'set', serviceName, '--file', dotenv, '--secret']);
    expect(secret.code, secret.stderr).toBe(0);
    const masked = await home.run(['env', 'list', serviceName]);
    expect(masked.stdout).toMatch(/GREETING\s+\*{8}/);
    expect(masked.stdout).not.toContain('cli-tester');
    expect(masked.stdout).not.toContain('s3cret');
    const revealed = z.array(EnvVar).parse(JSON.parse((await home.run(['env', 'list', serviceName, '--reveal', '--json'])).stdout));
    expect(revealed).toEqual(
      expect.arrayContaining([
        { key: 'GREETING', value: 'cli-tester', is_secret: false },
        { key: 'API_KEY', value: 's3cret value', is_secret: true },
        { key: 'TICK', value: '1', is_secret: true },
      ]),
    );
  });

  it('keeps secrets whole when another variable changes, and unsets', async () => {
    expect((await home.run(['env', 'set', serviceName, 'EXTRA=1'])).code).toBe(0);
    expect((await home.run(['env', 'unset', serviceName, 'EXTRA'])).code).toBe(0);
    const revealed = z.array(EnvVar).parse(JSON.parse((await home.run(['env', 'list', serviceName, '--reveal', '--json'])).stdout));
    expect(revealed.map((variable) => variable.key).sort()).toEqual(['API_KEY', 'GREETING', 'TICK']);
    expect(revealed.find((variable) => variable.key === 'API_KEY')?.value).toBe('s3cret value');
  });

  it('refuses a malformed pair before calling the API', async () => {
    const run = await home.run(['env', 'set', serviceName, '1BAD=x']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('syntra: 1BAD cannot name an environment variable\n');
  });
});

describe('a deployed service', () => {
  beforeAll(async () => {
    const deploy = await home.run(['deploy', serviceName]);
    expect(deploy.code, deploy.stderr).toBe(0);
  });

  it('runs a command in it and exits with its exit code', async () => {
    const run = await home.run(['exec', serviceName, '--', 'sh', '-c', 'echo "hello $GREETING"; echo oops >&2; exit 4']);
    expect(run).toMatchObject({ code: 4, stdout: 'hello cli-tester\n', stderr: 'oops\n' });
    expect((await home.run(['exec', serviceName, '--', 'cat', '/www/version'])).stdout).toBe('v1\n');
  });

  it('prints its stored log lines, filtered, and as NDJSON', async () => {
    await expect
      .poll(async () => (await home.run(['logs', serviceName, '--since', '1h'])).stdout, { timeout: 60_000, interval: 1_000 })
      .toContain('starting version v1 as cli-tester');
    const grep = await home.run(['logs', serviceName, '--grep', 'STARTING VERSION', '--json']);
    const lines = grep.stdout.trim().split('\n').map((line) => LogEntry.parse(JSON.parse(line)));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.message.toLowerCase().includes('starting version'))).toBe(true);
    expect((await home.run(['logs', serviceName, '--level', 'error', '--grep', 'tick'])).stdout).not.toContain('tick');
  });

  it('follows new lines with -f until Ctrl-C', async () => {
    const started = home.start(['logs', serviceName, '-f', '--limit', '1', '--grep', 'tick']);
    started.child.stdin.end();
    await expect.poll(() => started.output().stdout, { timeout: 10_000 }).toMatch(/tick \d+/);
    const firstSeen = started.output().stdout.split('\n').filter(Boolean).length;
    await expect.poll(() => started.output().stdout.split('\n').filter(Boolean).length, { timeout: 30_000 }).toBeGreaterThan(firstSeen + 1);
    started.child.kill('SIGINT');
    const run = await started.done;
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(escapeCode);
    const ticks = run.stdout.split('\n').filter(Boolean).map((line) => Number(/tick (\d+)/.exec(line)?.[1]));
    expect(ticks.every((tick) => Number.isInteger(tick))).toBe(true);
    expect(new Set(ticks).size).toBe(ticks.length);
  });

  it("lists the project's issues and prints the UI's page of the service", async () => {
    const issues = await home.run(['issues', stack.project.slug]);
    expect(issues.code, issues.stderr).toBe(0);
    expect(issues.stdout).toContain('(none)');
    const open = await home.run(['open', serviceName]);
    expect(open).toMatchObject({ code: 0, stdout: `${stack.baseUrl}/services/${serviceId}\n` });
  });
});
