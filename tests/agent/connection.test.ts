import type { IncomingMessage } from 'node:http';
import Docker from 'dockerode';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentConnection } from '../../agent/connection.js';
import { ServiceRegistry } from '../../agent/runtime/service-registry.js';
import { AGENT_VERSION } from '../../agent/version.js';
import { DEFAULT_AGENT_CONFIG, parseAgentMessage, type AgentMessage } from '../../contracts/index.js';
import { ensureDockerd } from '../support/docker.js';
import { envelope } from './harness.js';

const SERVER_UUID = crypto.randomUUID();
const TOKEN = 'agt_test-token';

/**
 * A stand-in for the gateway: records each connection's headers and every message, validated, and
 * answers the agent's pings as the gateway does, unless told to fall silent (a half-open socket).
 */
async function fakeControlPlane(options: { answerPings: boolean } = { answerPings: true }) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/agent/ws' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const connections: { socket: WebSocket; request: IncomingMessage; messages: AgentMessage[]; invalid: unknown[]; at: number }[] = [];
  wss.on('connection', (socket, request) => {
    const connection = { socket, request, messages: [] as AgentMessage[], invalid: [] as unknown[], at: Date.now() };
    connections.push(connection);
    socket.on('message', (data) => {
      const parsed = parseAgentMessage(JSON.parse(data.toString()));
      if (!parsed.success) return void connection.invalid.push(parsed.error.issues);
      connection.messages.push(parsed.data);
      if (parsed.data.type === 'ping' && options.answerPings) sendFrame(socket, 'pong', { nonce: parsed.data.payload.nonce, sent_at: new Date().toISOString() });
    });
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, connections, close: () => new Promise((resolve) => wss.close(resolve)) };
}

async function until<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function sendFrame(socket: WebSocket, type: string, payload: unknown) {
  socket.send(JSON.stringify(envelope(type, payload)));
}

let agent: AgentConnection | undefined;
let controlPlane: Awaited<ReturnType<typeof fakeControlPlane>> | undefined;

afterEach(async () => {
  await agent?.stop();
  await controlPlane?.close();
});

describe('agent connection', () => {
  it('connects while Docker is down, saying its runtime version is unavailable', async () => {
    const docker = new Docker({ socketPath: '/nonexistent/docker.sock' });
    controlPlane = await fakeControlPlane();
    agent = new AgentConnection({ url: controlPlane.url, token: TOKEN, context: { docker, services: new ServiceRegistry(docker), log: pino({ level: 'silent' }) } });
    agent.start();

    const first = await until(() => controlPlane!.connections[0]);
    const hello = await until(() => first.messages.find((message) => message.type === 'agent_hello'));
    expect(hello.payload).toMatchObject({ runtime: 'docker', runtime_version: 'unavailable' });
    expect(first.invalid).toEqual([]);
  });

  it('says hello with its token and version, runs pending deploys, sends heartbeats, answers pings and commands, and reconnects', async () => {
    const docker = await ensureDockerd();
    controlPlane = await fakeControlPlane();
    const services = new ServiceRegistry(docker);
    agent = new AgentConnection({ url: controlPlane.url, token: TOKEN, context: { docker, services, log: pino({ level: 'silent' }) } });
    agent.start();

    const first = await until(() => controlPlane!.connections[0]);
    expect(first.request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(first.request.headers['x-agent-version']).toBe(AGENT_VERSION);
    const hello = await until(() => first.messages.find((message) => message.type === 'agent_hello'));
    expect(hello.payload).toMatchObject({ protocol_version: '1.3', min_supported: '1.0', runtime: 'docker' });

    // A pending deploy from an unreachable registry: it must run, report, and fail fast with PULL_FAILED.
    const pending = {
      request_id: 'pending-1',
      deployment_id: crypto.randomUUID(),
      service_id: crypto.randomUUID(),
      service_name: 'web',
      project_name: 'agent-connection-test',
      image: { registry: '127.0.0.1:1', repository: 'nothing/here', tag: 'v1' },
      registry_auth: null,
      config: { port: 8080, replicas: 1, env_vars: {}, labels: {} },
      networking: { domains: [], internal_hostname: 'web.internal', expose_port: false },
      strategy: 'rolling',
      rollback_on_failure: false,
      timeout_seconds: 30,
    };
    sendFrame(first.socket, 'hello_ack', {
      server_id: `srv_${SERVER_UUID.replaceAll('-', '')}`,
      accepted: true,
      server_name: 'test-server',
      org_id: crypto.randomUUID(),
      config: { ...DEFAULT_AGENT_CONFIG, heartbeat_interval_seconds: 1, log_level: 'error' },
      pending_deployments: [pending],
      protocol_version: '1.1',
    });

    const heartbeats = () => first.messages.filter((message) => message.type === 'heartbeat');
    await until(() => (heartbeats().length >= 2 ? true : undefined), 20_000);
    expect(heartbeats()[0]!.payload).toMatchObject({ agent_id: `agt_${SERVER_UUID.replaceAll('-', '')}` });

    const failed = await until(() =>
      first.messages.find((message) => message.type === 'deploy_status' && message.payload.status === 'failed'),
    );
    expect(failed.payload).toMatchObject({ deployment_id: pending.deployment_id, error: { code: 'PULL_FAILED' } });
    await until(() => first.messages.find((m) => m.type === 'command_response' && m.payload.request_id === 'pending-1'));

    sendFrame(first.socket, 'ping', { nonce: 'n-1', sent_at: new Date().toISOString() });
    const pong = await until(() => first.messages.find((message) => message.type === 'pong'));
    expect(pong.payload.nonce).toBe('n-1');

    sendFrame(first.socket, 'scale', { request_id: 'bad-1', service_id: 'nope', replicas: 1, strategy: 'immediate' });
    const rejected = await until(() => first.messages.find((m) => m.type === 'command_response' && m.payload.request_id === 'bad-1'));
    expect(rejected.payload).toMatchObject({ success: false, error: { code: 'INVALID_COMMAND' } });
    expect(first.invalid).toEqual([]);

    const droppedAt = Date.now();
    first.socket.terminate();
    const second = await until(() => controlPlane!.connections[1]);
    await until(() => second.messages.find((message) => message.type === 'agent_hello'));
    // The first retry waits between half and all of the 1 s initial delay.
    expect(second.at - droppedAt).toBeGreaterThanOrEqual(450);
    expect(second.at - droppedAt).toBeLessThan(5_000);
  });

  it('pings the control plane, and gives a connection whose pings go unanswered up for a new one', async () => {
    const docker = new Docker({ socketPath: '/nonexistent/docker.sock' });
    controlPlane = await fakeControlPlane({ answerPings: false });
    agent = new AgentConnection({ url: controlPlane.url, token: TOKEN, context: { docker, services: new ServiceRegistry(docker), log: pino({ level: 'silent' }) } });
    agent.start();
    const first = await until(() => controlPlane!.connections[0]);
    await until(() => first.messages.find((message) => message.type === 'agent_hello'));
    sendFrame(first.socket, 'hello_ack', {
      server_id: `srv_${SERVER_UUID.replaceAll('-', '')}`,
      accepted: true,
      server_name: 'silent-control-plane',
      org_id: crypto.randomUUID(),
      config: { ...DEFAULT_AGENT_CONFIG, heartbeat_interval_seconds: 1, log_level: 'error' },
      pending_deployments: [],
    });
    // The socket stays open on this side; only the agent's own probe can notice nobody answers.
    const second = await until(() => controlPlane!.connections[1], 20_000);
    const pings = first.messages.filter((message) => message.type === 'ping');
    expect(pings.length).toBeGreaterThanOrEqual(2);
    expect(new Set(pings.map((ping) => ping.type === 'ping' && ping.payload.nonce)).size).toBe(pings.length);
    expect(second.at).toBeGreaterThan(first.at);
  });

  /** Accepts the agent's hello on `connection`, speaking `protocol`. */
  async function accept(connection: Awaited<ReturnType<typeof fakeControlPlane>>['connections'][number], protocol: string) {
    await until(() => connection.messages.find((message) => message.type === 'agent_hello'));
    sendFrame(connection.socket, 'hello_ack', {
      server_id: `srv_${SERVER_UUID.replaceAll('-', '')}`,
      accepted: true,
      server_name: 'acknowledging-control-plane',
      org_id: crypto.randomUUID(),
      config: { ...DEFAULT_AGENT_CONFIG, log_level: 'error' },
      pending_deployments: [],
      protocol_version: protocol,
    });
  }
  /** Answers for `requestId` this connection received, once a ping sent now came back (so everything sent before it is in). */
  async function answersOn(connection: Awaited<ReturnType<typeof fakeControlPlane>>['connections'][number], requestId: string) {
    const nonce = crypto.randomUUID().slice(0, 8);
    sendFrame(connection.socket, 'ping', { nonce, sent_at: new Date().toISOString() });
    await until(() => connection.messages.find((message) => message.type === 'pong' && message.payload.nonce === nonce));
    return connection.messages.filter((message) => message.type === 'command_response' && message.payload.request_id === requestId);
  }
  /** An agent (its commands need no Docker here) that reconnects quickly; resolves with its first connection. */
  async function startWithoutDocker() {
    const docker = new Docker({ socketPath: '/nonexistent/docker.sock' });
    controlPlane = await fakeControlPlane();
    agent = new AgentConnection({ url: controlPlane.url, token: TOKEN, reconnectInitialDelayMs: 50, context: { docker, services: new ServiceRegistry(docker), log: pino({ level: 'silent' }) } });
    agent.start();
    return until(() => controlPlane!.connections[0]);
  }
  const invalidScale = (requestId: string) => ({ request_id: requestId, service_id: 'nope', replicas: 1, strategy: 'immediate' });

  it('keeps each answer until a 1.3 control plane acknowledges it, and sends it again with its id after reconnecting', async () => {
    const first = await startWithoutDocker();
    await accept(first, '1.3');
    sendFrame(first.socket, 'scale', invalidScale('unacked'));
    sendFrame(first.socket, 'scale', invalidScale('acked'));
    const [unacked] = await answersOn(first, 'unacked');
    const [acked] = await answersOn(first, 'acked');
    sendFrame(first.socket, 'report_ack', { message_id: acked!.id });

    // The control plane's process dies: whatever it had not acknowledged comes again, to the next one.
    first.socket.terminate();
    const second = await until(() => controlPlane!.connections[1]);
    await accept(second, '1.3');
    expect(await answersOn(second, 'unacked')).toEqual([unacked]);
    expect(await answersOn(second, 'acked')).toEqual([]);
    sendFrame(second.socket, 'report_ack', { message_id: unacked!.id });
    await answersOn(second, 'unacked');

    second.socket.terminate();
    const third = await until(() => controlPlane!.connections[2]);
    await accept(third, '1.3');
    expect(await answersOn(third, 'unacked')).toEqual([]);
    expect(first.invalid.concat(second.invalid, third.invalid)).toEqual([]);
  });

  it('keeps nothing it has sent for a control plane that never acknowledges (protocol 1.2)', async () => {
    const first = await startWithoutDocker();
    await accept(first, '1.2');
    sendFrame(first.socket, 'scale', invalidScale('old-control-plane'));
    expect(await answersOn(first, 'old-control-plane')).toHaveLength(1);
    first.socket.terminate();
    const second = await until(() => controlPlane!.connections[1]);
    await accept(second, '1.2');
    expect(await answersOn(second, 'old-control-plane')).toEqual([]);
  });
});
