// How many agents one control-plane process holds, with heartbeat handling latency, against a
// bare `ws` server (JSON parse + pong, no validation, no database) measured in the same run.
// Usage: npx tsx bench/gateway-agents.ts [agentCounts=1000,2500,5000] [intervalSeconds=5] [durationSeconds=20]
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';
import { issueToken } from '../contracts/tokens.js';
import { freePort } from '../engines/ports.js';
import { startBenchControlPlane } from './support/control-plane.js';

const run = promisify(execFile);
const counts = (process.argv[2] ?? '1000,2500,5000').split(',').map(Number);
const intervalSeconds = Number(process.argv[3] ?? 5);
const durationSeconds = Number(process.argv[4] ?? 20);

const controlPlane = await startBenchControlPlane({ SYNTRA_AGENT_HEARTBEAT_SECONDS: String(intervalSeconds) });
const { db, orgId, dir } = controlPlane;
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

async function swarm(url: string, agents: { serverId: string; token: string }[]) {
  const file = path.join(dir, 'agents.json');
  await writeFile(file, JSON.stringify(agents));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/support/agent-swarm.ts', file, url, String(intervalSeconds), String(durationSeconds)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

const agents: { serverId: string; token: string }[] = [];
console.log(`heartbeat every ${intervalSeconds} s, measured for ${durationSeconds} s per step (p50/p99/max in ms)`);
console.log('agents | syntra p50 | syntra p99 | syntra max | bare p99 | p99 ratio | heartbeats/s | dropped');
for (const count of counts) {
  while (agents.length < count) {
    const batch = Array.from({ length: Math.min(500, count - agents.length) }, () => issueToken('agt'));
    const rows = await db
      .insertInto('servers')
      .values(batch.map((token, i) => ({ org_id: orgId, name: `bench-${agents.length + i}`, agent_token_hash: token.hash })))
      .returning('id')
      .execute();
    rows.forEach((row, i) => agents.push({ serverId: row.id, token: batch[i]!.token }));
  }
  const syntra = await swarm(syntraUrl.replace('http', 'ws'), agents);
  const baseline = await swarm(bareUrl, agents);
  const f = (n: number) => n.toFixed(1).padStart(6);
  console.log(`${String(count).padStart(6)} | ${f(syntra.p50)} | ${f(syntra.p99)} | ${f(syntra.max)} | ${f(baseline.p99)} | ${(syntra.p99 / baseline.p99).toFixed(1).padStart(5)}x | ${(syntra.heartbeats / durationSeconds).toFixed(0).padStart(6)} | ${syntra.failures}`);
}

bare.close();
await controlPlane.stop();
process.exit(0);
