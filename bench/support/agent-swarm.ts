// A swarm of simulated agents in its own process: each connects, says hello, then every interval
// sends a heartbeat followed by a ping. Sessions handle messages in order, so the pong's round
// trip is the time the control plane took to handle (and store) the heartbeat.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { helloPayload } from '../../tests/support/fake-agent.js';
import { toAgentProtocolId } from '../../contracts/index.js';

const [, , agentsFile, url, intervalArg, durationArg] = process.argv;
const agents: { serverId: string; token: string }[] = JSON.parse(readFileSync(agentsFile!, 'utf8'));
const intervalMs = Number(intervalArg) * 1000;
const durationMs = Number(durationArg) * 1000;
const connectConcurrency = 200;

const envelope = (type: string, payload: unknown) => JSON.stringify({ id: randomUUID(), type, timestamp: new Date().toISOString(), payload });
const latencies: number[] = [];
let failures = 0;
let measuring = false;

async function connect(agent: { serverId: string; token: string }): Promise<WebSocket> {
  const socket = new WebSocket(`${url}/agent/ws`, { headers: { authorization: `Bearer ${agent.token}`, 'x-agent-version': '0.1.0' } });
  const sentAt = new Map<string, number>();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.type !== 'pong') return;
    const started = sentAt.get(message.payload.nonce);
    sentAt.delete(message.payload.nonce);
    if (started !== undefined && measuring) latencies.push(performance.now() - started);
  });
  socket.on('close', () => (failures += measuring ? 1 : 0));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  await new Promise<void>((resolve) => {
    socket.once('message', () => resolve());
    socket.send(envelope('agent_hello', helloPayload(agent.serverId)));
  });
  const beat = () => {
    if (socket.readyState !== WebSocket.OPEN) return;
    const nonce = randomUUID();
    sentAt.set(nonce, performance.now());
    socket.send(envelope('heartbeat', {
      agent_id: toAgentProtocolId(agent.serverId), timestamp: new Date().toISOString(), uptime_seconds: 1,
      resources: { cpu_usage_percent: 5, memory_used_mb: 100, memory_available_mb: 900, disk_used_gb: 1, disk_available_gb: 9, network_rx_bytes: 0, network_tx_bytes: 0 },
      containers: { running: 0, stopped: 0, total: 0 }, services: [],
    }));
    socket.send(envelope('ping', { nonce, sent_at: new Date().toISOString() }));
  };
  // Spread the agents over the interval, as real ones are.
  setTimeout(() => setInterval(beat, intervalMs).unref(), Math.random() * intervalMs).unref();
  return socket;
}

const sockets: WebSocket[] = [];
for (let i = 0; i < agents.length; i += connectConcurrency) {
  sockets.push(...(await Promise.all(agents.slice(i, i + connectConcurrency).map(connect))));
}
// One interval to settle, then measure.
await new Promise((resolve) => setTimeout(resolve, intervalMs));
measuring = true;
await new Promise((resolve) => setTimeout(resolve, durationMs));
measuring = false;
for (const socket of sockets) socket.terminate();
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
process.stdout.write(JSON.stringify({ agents: agents.length, heartbeats: latencies.length, failures, p50: at(0.5), p99: at(0.99), max: at(1) }) + '\n');
process.exit(0);
