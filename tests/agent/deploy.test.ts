import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../agent/commands/deploy.js';
import { execInService } from '../../agent/commands/exec.js';
import { startTestRegistry, type TestRegistry } from '../support/docker.js';
import { agentHarness, httpGet, HTTP_HEALTH_CHECK } from './harness.js';

let registry: TestRegistry;
let harness: Awaited<ReturnType<typeof agentHarness>>;

beforeAll(async () => {
  registry = await startTestRegistry();
  harness = await agentHarness(registry);
});

afterAll(async () => {
  await harness?.cleanup();
  await registry?.cleanup();
});

describe('deploy', () => {
  it('runs an HTTP service pulled with registry credentials and answers on its endpoint once healthy', async () => {
    const { statuses, report } = harness.statusLog();
    const payload = harness.deployPayload('httpV1');
    const result = await deploy(harness.context, payload, report);

    expect(result).toMatchObject({ ok: true });
    const final = statuses.at(-1)!;
    expect(final).toMatchObject({ status: 'running', phase: 'cleanup', progress_percent: 100 });
    expect(final.container_id).toMatch(/^[0-9a-f]{64}$/);
    expect(final.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(final.replicas?.[0]?.host_port).toBeGreaterThan(0);
    expect(final.logs?.join('\n')).toContain('starting version v1 as syntra');
    const percents = statuses.map((status) => status.progress_percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(new Set(statuses.map((status) => status.phase))).toEqual(
      new Set(['pull_image', 'create_container', 'start_container', 'configure_network', 'health_check', 'cleanup']),
    );

    expect(await httpGet(final.endpoint!, '/version')).toEqual({ status: 200, body: 'v1' });
    expect(await httpGet(`127.0.0.1:${final.replicas![0]!.host_port}`, '/')).toEqual({ status: 200, body: 'hello from v1' });
  });

  it('creates containers with the limits, env, labels, volumes and network alias of the deploy', async () => {
    const hostDir = await mkdtemp(path.join(tmpdir(), 'syntra-bind-'));
    await writeFile(path.join(hostDir, 'note.txt'), 'from the host\n');
    const payload = harness.deployPayload('httpV1', {
      config: {
        ...baseConfig(),
        cpu_limit: '0.5',
        memory_limit: '256m',
        labels: { team: 'web' },
        volumes: [
          { name: 'data', container_path: '/data', read_only: false },
          { name: 'notes', host_path: hostDir, container_path: '/notes', read_only: true },
        ],
      },
      networking: { domains: [], internal_hostname: 'api.alias-test.internal', expose_port: true },
    });
    const result = await deploy(harness.context, payload, () => {});
    expect(result.ok).toBe(true);
    const containerId = result.ok ? result.replicas![0]!.container_id : '';

    const inspected = await harness.docker.getContainer(containerId).inspect();
    expect(inspected.HostConfig).toMatchObject({ NanoCpus: 500_000_000, Memory: 256 * 1024 * 1024, RestartPolicy: { Name: 'no' } });
    expect(inspected.Config.Labels).toMatchObject({
      team: 'web',
      'syntra.managed': 'true',
      'syntra.service_id': payload.service_id,
      'syntra.deployment_id': payload.deployment_id,
      'syntra.project': payload.project_name,
      'syntra.replica': '0',
    });
    expect(inspected.Config.Labels['syntra.spec']).not.toContain('"GREETING":"syntra"');
    expect(inspected.Config.Env).toContain('GREETING=syntra');
    expect(inspected.Mounts.map((mount) => [mount.Type, mount.Destination, mount.RW])).toEqual(
      expect.arrayContaining([
        ['volume', '/data', true],
        ['bind', '/notes', false],
      ]),
    );
    const network = `syntra-${payload.project_name}`;
    expect(inspected.NetworkSettings.Networks[network]?.Aliases).toContain('api.alias-test.internal');

    const exec = (command: string) => deployExec(payload.service_id, ['sh', '-c', command]);
    expect(await exec('cat /notes/note.txt; echo x > /notes/x 2>/dev/null || echo read-only')).toMatchObject({
      exit_code: 0,
      stdout: 'from the host\nread-only\n',
    });
    expect(await exec('wget -qO- http://api.alias-test.internal:8080/version')).toMatchObject({ exit_code: 0, stdout: 'v1\n' });
    await rm(hostDir, { recursive: true, force: true });
  });

  it('fails with PULL_FAILED when the registry password is wrong', async () => {
    const { statuses, report } = harness.statusLog();
    const payload = harness.deployPayload('httpV1', { registry_auth: { username: registry.username, password: 'wrong' } });
    const result = await deploy(harness.context, payload, report);

    expect(result).toMatchObject({ ok: false, error: { code: 'PULL_FAILED' } });
    expect(statuses.at(-1)).toMatchObject({ status: 'failed', phase: 'pull_image', error: { code: 'PULL_FAILED' } });
    expect(statuses.at(-1)!.error!.message).not.toContain('wrong');
  });

  it('fails with the health check\'s reason and leaves the running version serving', async () => {
    const first = harness.statusLog();
    const serviceId = crypto.randomUUID();
    const good = await deploy(harness.context, harness.deployPayload('httpV1', { serviceId }), first.report);
    expect(good.ok).toBe(true);
    const endpoint = first.statuses.at(-1)!.endpoint!;

    const { statuses, report } = harness.statusLog();
    const result = await deploy(harness.context, harness.deployPayload('unhealthy', { serviceId }), report);

    expect(result).toMatchObject({ ok: false, error: { code: 'HEALTH_CHECK_FAILED' } });
    const final = statuses.at(-1)!;
    expect(final).toMatchObject({ status: 'failed', phase: 'health_check', error: { code: 'HEALTH_CHECK_FAILED' } });
    expect(final.error!.message).toContain('HTTP 404');
    expect(final.logs?.join('\n')).toContain('starting version unhealthy');
    expect(await httpGet(endpoint, '/version')).toEqual({ status: 200, body: 'v1' });
    const containers = await harness.docker.listContainers({ all: true, filters: { label: [`syntra.service_id=${serviceId}`] } });
    expect(containers.map((container) => container.Image)).toEqual([`${registry.registry}/syntra/http:v1`]);
  });

  it('verifies a pinned digest: the pushed one passes, another one fails with DIGEST_MISMATCH', async () => {
    const pinned = harness.deployPayload('httpV1');
    const matching = await deploy(harness.context, { ...pinned, image: { ...pinned.image, digest: registry.images.httpV1.digest } }, () => {});
    expect(matching.ok).toBe(true);

    const other = harness.deployPayload('httpV1');
    const mismatched = await deploy(harness.context, { ...other, image: { ...other.image, digest: registry.images.httpV2.digest } }, () => {});
    expect(mismatched).toMatchObject({ ok: false, error: { code: 'DIGEST_MISMATCH' } });
  });

  it('keeps every request answered during a rolling deploy of two replicas, and the answers switch to v2', async () => {
    const serviceId = crypto.randomUUID();
    const first = harness.statusLog();
    const v1 = await deploy(harness.context, harness.deployPayload('httpV1', { serviceId, config: { ...baseConfig(), replicas: 2 } }), first.report);
    expect(v1.ok).toBe(true);
    const endpoint = first.statuses.at(-1)!.endpoint!;

    const answers: string[] = [];
    const failures: string[] = [];
    let running = true;
    const client = (async () => {
      while (running) {
        try {
          const { status, body } = await httpGet(endpoint, '/version');
          if (status === 200) answers.push(body);
          else failures.push(`HTTP ${status}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    })();

    const second = harness.statusLog();
    const v2 = await deploy(harness.context, harness.deployPayload('httpV2', { serviceId, config: { ...baseConfig(), replicas: 2 } }), second.report);
    await new Promise((resolve) => setTimeout(resolve, 300));
    running = false;
    await client;

    expect(v2.ok).toBe(true);
    expect(second.statuses.at(-1)!.endpoint).toBe(endpoint);
    expect(failures).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    expect(answers[0]).toBe('v1');
    expect(answers.at(-1)).toBe('v2');
    // The switch is one-way: once the last v1 replica is out of rotation only v2 answers.
    expect(answers.slice(answers.lastIndexOf('v1') + 1).every((answer) => answer === 'v2')).toBe(true);
    const phases = second.statuses.map((status) => status.phase);
    expect(phases.indexOf('stop_old')).toBeGreaterThan(phases.indexOf('health_check'));
  });

  it('blue_green starts and checks every new replica before stopping any old one', async () => {
    const serviceId = crypto.randomUUID();
    const config = { ...baseConfig(), replicas: 2 };
    expect((await deploy(harness.context, harness.deployPayload('httpV1', { serviceId, config }), () => {})).ok).toBe(true);

    const { statuses, report } = harness.statusLog();
    const result = await deploy(harness.context, harness.deployPayload('httpV2', { serviceId, config, strategy: 'blue_green' }), report);

    expect(result.ok).toBe(true);
    const phases = statuses.map((status) => status.phase);
    expect(phases.lastIndexOf('health_check')).toBeLessThan(phases.indexOf('stop_old'));
    expect(phases.filter((phase) => phase === 'health_check')).toHaveLength(1);
    expect(await httpGet(statuses.at(-1)!.endpoint!, '/version')).toEqual({ status: 200, body: 'v2' });
    const containers = await harness.docker.listContainers({ all: true, filters: { label: [`syntra.service_id=${serviceId}`] } });
    expect(containers.map((container) => container.Image)).toEqual([`${registry.registry}/syntra/http:v2`, `${registry.registry}/syntra/http:v2`]);
  });

  it('instant stops the old replicas before creating the new ones', async () => {
    const serviceId = crypto.randomUUID();
    expect((await deploy(harness.context, harness.deployPayload('httpV1', { serviceId }), () => {})).ok).toBe(true);

    const { statuses, report } = harness.statusLog();
    const result = await deploy(harness.context, harness.deployPayload('httpV2', { serviceId, strategy: 'instant' }), report);

    expect(result.ok).toBe(true);
    const phases = statuses.map((status) => status.phase);
    expect(phases.indexOf('stop_old')).toBeLessThan(phases.indexOf('create_container'));
    expect(await httpGet(statuses.at(-1)!.endpoint!, '/version')).toEqual({ status: 200, body: 'v2' });
  });

  it('gives up with TIMEOUT after timeout_seconds and starts the old replicas it had stopped again', async () => {
    const serviceId = crypto.randomUUID();
    const first = harness.statusLog();
    expect((await deploy(harness.context, harness.deployPayload('httpV1', { serviceId }), first.report)).ok).toBe(true);
    const endpoint = first.statuses.at(-1)!.endpoint!;

    const slowCheck = { ...HTTP_HEALTH_CHECK, retries: 100, start_period_seconds: 60 };
    const started = Date.now();
    const { statuses, report } = harness.statusLog();
    const result = await deploy(
      harness.context,
      harness.deployPayload('unhealthy', { serviceId, strategy: 'instant', timeout_seconds: 3, config: { ...baseConfig(), health_check: slowCheck } }),
      report,
    );

    expect(result).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(statuses.at(-1)).toMatchObject({ status: 'failed', phase: 'health_check', error: { code: 'TIMEOUT' } });
    expect(await httpGet(endpoint, '/version')).toEqual({ status: 200, body: 'v1' });
    const containers = await harness.docker.listContainers({ all: true, filters: { label: [`syntra.service_id=${serviceId}`] } });
    expect(containers.map((container) => [container.Image, container.State])).toEqual([[`${registry.registry}/syntra/http:v1`, 'running']]);
  });
});

function deployExec(serviceId: string, command: string[]) {
  return execInService(harness.context, { request_id: 'exec', service_id: serviceId, command, timeout_seconds: 10, interactive: false });
}

function baseConfig() {
  return harness.deployPayload('httpV1').config;
}
