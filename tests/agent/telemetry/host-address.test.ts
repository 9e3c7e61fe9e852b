import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findContainerHostAddress, firstHostAddress } from '../../../agent/runtime/container-host-address.js';
import { ServiceRegistry } from '../../../agent/runtime/service-registry.js';
import { AgentTelemetry } from '../../../agent/telemetry/agent-telemetry.js';
import { DEFAULT_AGENT_CONFIG, type AgentMessage } from '../../../contracts/index.js';
import { buildTestImages, docker as dockerCli, ensureDockerd, TEST_IMAGES } from '../../support/docker.js';
import { silentLog } from './support.js';

/*
 * A bridge whose IPAM config names no gateway: what Debian's dockerd shows for the default bridge
 * when docker0 already existed, and what `docker network create --subnet` without `--gateway`
 * makes. The agent must still find an address its containers reach.
 */
let docker: Docker;
let network: string;
let subnetGateway: string;
let dataDir: string;
const image = `${TEST_IMAGES.httpV1.repository}:${TEST_IMAGES.httpV1.tag}`;
const started: AgentTelemetry[] = [];

/** A container on the network fetching the URL (busybox wget crashes with -T, so the test timeout bounds it). */
async function fetchFromContainer(url: string): Promise<string> {
  return dockerCli('run', '--rm', '--network', network, '--entrypoint', '/bin/wget', image, '-q', '-O-', url);
}

async function startTelemetry(networkName: string): Promise<AgentTelemetry> {
  const telemetry = await AgentTelemetry.start({
    docker,
    services: new ServiceRegistry(docker),
    log: silentLog,
    dataDir: await mkdtemp(path.join(dataDir, 'agent-')),
    agentToken: 'syn_agt_host_address',
    network: networkName,
    port: 0,
  });
  started.push(telemetry);
  return telemetry;
}

beforeAll(async () => {
  docker = await ensureDockerd();
  await buildTestImages();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-host-address-'));
  network = `syntra-test-nogw-${randomBytes(3).toString('hex')}`;
  // A /28 in a range Docker's default pools never hand out, picked at random so runs side by side do not collide.
  const [second, third, fourth] = [200 + (randomBytes(1)[0]! % 50), randomBytes(1)[0]!, 16 * (randomBytes(1)[0]! % 16)];
  subnetGateway = `10.${second}.${third}.${fourth + 1}`;
  await dockerCli('network', 'create', '--subnet', `10.${second}.${third}.${fourth}/28`, network);
});

afterAll(async () => {
  for (const telemetry of started) await telemetry.stop();
  if (network) await dockerCli('network', 'rm', network).catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the address containers reach the agent at', () => {
  it('is found on a bridge whose IPAM config names no gateway and that no container uses yet', async () => {
    const inspected = (await docker.getNetwork(network).inspect()) as Docker.NetworkInspectInfo;
    expect(inspected.IPAM?.Config?.[0]).not.toHaveProperty('Gateway');
    const found = await findContainerHostAddress(docker, { network });
    expect(found).toEqual({ reachable: true, source: 'subnet_gateway', bind: subnetGateway, advertised: subnetGateway });
  });

  it('is the bridge interface’s own address once a container gives it a carrier, and the one containers are given', async () => {
    const container = (await dockerCli('run', '-d', '--network', network, image)).trim();
    try {
      const found = await findContainerHostAddress(docker, { network });
      expect(found).toMatchObject({ reachable: true, source: 'bridge_interface', bind: subnetGateway });
      const given = (await docker.getContainer(container).inspect()).NetworkSettings.Networks[network]!.Gateway;
      expect(given).toBe(subnetGateway);
    } finally {
      await dockerCli('rm', '-f', container);
    }
  });

  it('is where a container on that bridge reaches the telemetry receiver and its health', async () => {
    const telemetry = await startTelemetry(network);
    expect(telemetry.reachability).toMatchObject({ reachable: true, bind: subnetGateway });
    const env = telemetry.containerEnv({ service_id: 's', deployment_id: 'd', service_name: 'n' }, {});
    const health = JSON.parse(await fetchFromContainer(`${env.OTEL_EXPORTER_OTLP_ENDPOINT}/health`));
    expect(health).toMatchObject({ status: 'ok', telemetry_receiver: { reachable: true, bind: subnetGateway } });
  });

  it('is said loudly when none is found: a degraded health and a standing alert at every session', async () => {
    const telemetry = await startTelemetry(`syntra-test-missing-${randomBytes(3).toString('hex')}`);
    expect(telemetry.reachability).toMatchObject({ reachable: false, bind: '127.0.0.1' });
    const answer = await fetch(`${telemetry.receiver.origin.origin}/health`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ status: 'degraded', telemetry_receiver: { reachable: false, reason: expect.stringContaining('not found') } });

    const sent: Omit<AgentMessage, 'id' | 'timestamp'>[] = [];
    const sender = telemetry.connect({ emit: (message) => sent.push(message), agentId: () => 'agt_x', serverId: () => 'srv_00000000000000000000000000000000' });
    sender.beginSession(DEFAULT_AGENT_CONFIG, '1.2');
    sender.endSession();
    sender.beginSession(DEFAULT_AGENT_CONFIG, '1.2');
    const alerts = sent.filter((message) => message.type === 'alert');
    expect(alerts).toHaveLength(2);
    expect(alerts[0]!.payload).toMatchObject({
      type: 'resource_critical',
      severity: 'critical',
      title: "Containers cannot reach the agent's telemetry receiver",
      metadata: { resource: 'telemetry_receiver', standing: true },
    });
    await sender.stop();
  });
});

describe('a subnet’s first host address, where Docker puts a gateway it was not told', () => {
  it.each([
    ['172.17.0.0/16', '172.17.0.1'],
    ['10.200.3.16/28', '10.200.3.17'],
    ['fd00:dead:beef::/48', 'fd00:dead:beef::1'],
    ['not a subnet', undefined],
    ['10.0.0.0/32', undefined],
  ])('%s → %s', (subnet, expected) => expect(firstHostAddress(subnet)).toBe(expected));
});
