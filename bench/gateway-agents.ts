// How many agents one control-plane process holds, with heartbeat handling latency, against a
// bare `ws` server (JSON parse + pong, no validation, no database) measured in the same run.
// Usage: npx tsx bench/gateway-agents.ts [agentCounts=1000,2500,5000] [intervalSeconds=5] [durationSeconds=20]
import { WebSocketServer } from 'ws';
import { freePort } from '../engines/ports.js';
import { startBenchControlPlane } from './support/control-plane.js';
import { enrollAgents, runSwarm, type SwarmAgent } from './support/swarm.js';

const counts = (process.argv[2] ?? '1000,2500,5000').split(',').map(Number);
const intervalSeconds = Number(process.argv[3] ?? 5);
const durationSeconds = Number(process.argv[4] ?? 20);

const controlPlane = await startBenchControlPlane({ SYNTRA_AGENT_HEARTBEAT_SECONDS: String(intervalSeconds) });
const { db, orgId } = controlPlane;
const syntraUrl = controlPlane.url;

const barePort = await freePort();
const bare = new WebSocketServer({ port: barePort, host: '127.0.0.1' });
await new Promise((resolve) => bare.once('listening', resolve));
bare.on('connection', (socket) =>
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.type === 'agent_hello') socket.send(JSON.stringify({ type: 'hello_ack', payload: {} }));
    if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong', payload: { nonce: message.payload.nonce } }));
  }),
);
const bareUrl = `ws://127.0.0.1:${barePort}`;

const agents: SwarmAgent[] = [];
console.log(`heartbeat every ${intervalSeconds} s, measured for ${durationSeconds} s per step (p50/p99/max in ms)`);
console.log('agents | syntra p50 | syntra p99 | syntra max | bare p99 | p99 ratio | heartbeats/s | dropped');
for (const count of counts) {
  await enrollAgents(db, orgId, agents, count);
  const syntra = await runSwarm(syntraUrl.replace('http', 'ws'), agents, intervalSeconds, durationSeconds);
  const baseline = await runSwarm(bareUrl, agents, intervalSeconds, durationSeconds);
  const f = (n: number) => n.toFixed(1).padStart(6);
  console.log(`${String(count).padStart(6)} | ${f(syntra.p50)} | ${f(syntra.p99)} | ${f(syntra.max)} | ${f(baseline.p99)} | ${(syntra.p99 / baseline.p99).toFixed(1).padStart(5)}x | ${(syntra.heartbeats / durationSeconds).toFixed(0).padStart(6)} | ${syntra.failures}`);
}

bare.close();
await controlPlane.stop();
process.exit(0);
