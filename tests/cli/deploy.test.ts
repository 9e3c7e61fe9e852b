import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment, DeploymentDetail } from '../../contracts/api/resources.js';
import { startOperationsStack, type OperationsStack } from '../operations/operations-stack.js';
import { imageService } from '../operations/stack.js';
import { cliHome, escapeCode } from './run-cli.js';

/*
 * `syntra deploy`, `rollback`, `scale` and Ctrl-C as a CI job meets them: the real binary against
 * the real platform (API, Temporal worker, an agent deploying containers on dockerd).
 */

let stack: OperationsStack;
let home: Awaited<ReturnType<typeof cliHome>>;
let serviceName: string;
let serviceId: string;
let ci: Record<string, string>;

beforeAll(async () => {
  stack = await startOperationsStack('cli-deploy');
  const service = await imageService(stack.api.platform.db, stack.api.platform.secrets, stack.registry, { projectId: stack.project.id, serverId: stack.host.server.id });
  stack.serviceIds.push(service.id);
  serviceId = service.id;
  serviceName = `${stack.project.slug}/${service.name}`;
  home = await cliHome();
  ci = { SYNTRA_URL: stack.baseUrl, SYNTRA_TOKEN: stack.api.ownerToken };
});

afterAll(async () => {
  await home?.cleanup();
  await stack?.stop();
});

const current = async () => (await stack.rest.call('GET', `/services/${serviceId}`)).body.data as { current_deployment_id: string | null; replicas: number };

describe('syntra deploy', () => {
  it('follows a deploy through its phases to running and exits 0, without escape codes off a terminal', async () => {
    const run = await home.run(['deploy', serviceName], { env: ci });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/pull_image .*\[#*\.*\]\s+\d+%/);
    expect(run.stdout).toContain('health_check');
    expect(run.stdout).toMatch(/✓ .*: deployment \w{8} is running/);
    expect(run.stdout).not.toMatch(escapeCode);
    expect(run.stderr).not.toMatch(escapeCode);
  });

  it('exits 3 with the reason when the deploy fails its health check and is rolled back', async () => {
    const run = await home.run(['deploy', serviceName, '--tag', 'unhealthy', '--rollback-on-failure', '--timeout', '60'], { env: ci });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^syntra: ${serviceName}: deployment \\w{8} ended rolled_back: .*health`, 'mi'));
  });

  it('starts without waiting, printing the deployment resource with --json', async () => {
    const run = await home.run(['deploy', serviceName, '--tag', 'v2', '--no-wait', '--json'], { env: ci });
    expect(run.code, run.stderr).toBe(0);
    const deployment = Deployment.parse(JSON.parse(run.stdout));
    const done = await stack.rest.until(deployment.id, ['running', 'failed']);
    expect(done.status).toBe('running');
  });

  it('rolls back to the last running deployment before the current one, and prints the detail as JSON', async () => {
    const before = await current();
    const run = await home.run(['rollback', serviceName, '--json'], { env: ci });
    expect(run.code, run.stderr).toBe(0);
    const detail = DeploymentDetail.parse(JSON.parse(run.stdout));
    expect(detail.status).toBe('running');
    expect(detail.spec?.image.tag).toBe('v1');
    expect((await current()).current_deployment_id).not.toBe(before.current_deployment_id);
  });

  it('scales a service', async () => {
    const run = await home.run(['scale', serviceName, '2'], { env: ci });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('scaling to 2 replicas');
    expect((await current()).replicas).toBe(2);
  });

  it('stops watching on Ctrl-C off a terminal, exit 130, and the deploy goes on', async () => {
    const started = home.start(['deploy', serviceName, '--tag', 'v2'], ci);
    started.child.stdin.end();
    await expect.poll(() => started.output().stdout, { timeout: 60_000 }).toMatch(/deployment [0-9a-f-]{36}/);
    const deploymentId = /deployment ([0-9a-f-]{36})/.exec(started.output().stdout)![1]!;
    started.child.kill('SIGINT');
    const run = await started.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/Stopped watching; deployment \w{8} goes on/);
    expect((await stack.rest.until(deploymentId, ['running', 'failed'])).status).toBe('running');
  });

  it('asks at a terminal on Ctrl-C, and "cancel" cancels the deployment: exit 3', async () => {
    // A deploy ahead of it keeps the CLI's own one queued while the question is answered.
    const ahead = await stack.rest.deploy(serviceId, { image_tag: 'v1' });
    // `script` gives the CLI a terminal; Ctrl-C typed into it reaches the CLI as SIGINT, as from a keyboard.
    // `exec`: script runs the command through $SHELL, and a shell that stays (dash, fish) would die of
    // that SIGINT itself and end the session with 130 while the CLI still asks.
    const terminal = spawn('script', ['-qfec', `exec ${process.execPath} bin/syntra.js deploy ${serviceName} --tag v2`, '/dev/null'], {
      env: { ...process.env, ...ci, XDG_CONFIG_HOME: home.configDir, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    terminal.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => terminal.on('close', resolve));
    await expect.poll(() => screen, { timeout: 60_000 }).toMatch(/deployment [0-9a-f-]{36}/);
    const deploymentId = /deployment ([0-9a-f-]{36})/.exec(screen)![1]!;
    terminal.stdin.write('\u0003');
    await expect.poll(() => screen, { timeout: 10_000 }).toMatch(/\[c\]ancel \/ \[d\]etach/);
    terminal.stdin.write('c\r');
    expect(await ended).toBe(3);
    expect(screen).toMatch(/ended cancelled/);
    expect((await stack.rest.deployment(deploymentId)).status).toBe('cancelled');
    expect(screen).toMatch(escapeCode);
    expect((await stack.rest.until(ahead, ['running', 'failed'])).status).toBe('running');

    const again = await home.run(['cancel', deploymentId], { env: ci });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^syntra: .+ \(CONFLICT, request \S+\)\n$/);
  });

  it('restarts a service', async () => {
    const run = await home.run(['restart', serviceName], { env: ci });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${serviceName}: restarting\n`);
  });
});
