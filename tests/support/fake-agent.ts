import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { toAgentProtocolId, toServerProtocolId, type AgentHelloPayload, type HeartbeatPayload } from '../../contracts/index.js';

/**
 * A protocol-level stand-in for the agent (no Docker): speaks the contract's envelopes over a
 * real WebSocket, records what the control plane sends, and lets a test send anything at all.
 */
export class FakeAgent {
  readonly received: { type: string; payload: any }[] = [];
  private waiters: { type: string; resolve: (message: { type: string; payload: any }) => void }[] = [];
  closeCode: number | null = null;

  private constructor(readonly socket: WebSocket, readonly serverId: string) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      this.received.push(message);
      this.waiters = this.waiters.filter((waiter) => (waiter.type === message.type ? (waiter.resolve(message), false) : true));
    });
    socket.on('close', (code) => (this.closeCode = code));
  }

  static async connect(baseUrl: string, token: string, serverId: string, agentVersion = '0.1.0'): Promise<FakeAgent> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/agent/ws`, {
      headers: { authorization: `Bearer ${token}`, 'x-agent-version': agentVersion },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      socket.once('error', reject);
    });
    return new FakeAgent(socket, serverId);
  }

  next(type: string, timeoutMs = 10_000): Promise<{ type: string; payload: any }> {
    const already = this.received.find((message) => message.type === type && !this.consumed.has(message));
    if (already) {
      this.consumed.add(already);
      return Promise.resolve(already);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (message) => {
          clearTimeout(timer);
          this.consumed.add(message);
          resolve(message);
        },
      });
    });
  }
  private consumed = new Set<object>();

  send(type: string, payload: unknown): void {
    this.socket.send(JSON.stringify({ id: randomUUID(), type, timestamp: new Date().toISOString(), payload }));
  }

  sendRaw(frame: string | Buffer): void {
    this.socket.send(frame);
  }

  hello(overrides: Partial<AgentHelloPayload> = {}): Promise<{ type: string; payload: any }> {
    this.send('agent_hello', helloPayload(this.serverId, overrides));
    return this.next('hello_ack');
  }

  heartbeat(overrides: Partial<HeartbeatPayload> = {}): void {
    this.send('heartbeat', {
      agent_id: toAgentProtocolId(this.serverId),
      timestamp: new Date().toISOString(),
      uptime_seconds: 12,
      resources: { cpu_usage_percent: 12.5, memory_used_mb: 900, memory_available_mb: 3000, disk_used_gb: 10, disk_available_gb: 90, network_rx_bytes: 100, network_tx_bytes: 50 },
      containers: { running: 1, stopped: 0, total: 1 },
      services: [],
      ...overrides,
    });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

export function helloPayload(serverId: string, overrides: Partial<AgentHelloPayload> = {}): AgentHelloPayload {
  return {
    agent_id: toAgentProtocolId(serverId),
    server_id: toServerProtocolId(serverId),
    version: '0.1.0',
    runtime: 'docker',
    runtime_version: '20.10.24',
    os: { name: 'debian', version: '12', kernel: '6.1.0-test' },
    arch: 'x86_64',
    resources: { cpu_cores: 2, cpu_model: 'Test CPU', memory_total_mb: 24000, disk_total_gb: 250 },
    network: { hostname: 'fake-agent', public_ip: null, private_ip: '127.0.0.1' },
    capabilities: ['docker'],
    protocol_version: '1.1',
    min_supported: '1.0',
    ...overrides,
  };
}
