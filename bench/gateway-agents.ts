// How many agents one control-plane process holds, with heartbeat handling latency, against a
// bare `ws` server (JSON parse + pong, no validation, no database) measured in the same run.
// Usage: npx tsx bench/gateway-agents.ts [agentCounts=1000,2500,5000] [intervalSeconds=5] [durationSeconds=20]
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { WebSocketServer } from 'ws';
import { buildApi } from '../api/app.js';
import { issueToken } from '../api/auth/tokens.js';
import { openPlatform } from '../api/platform.js';
import { loadConfig } from '../config/env.js';
import { freePort } from '../engines/ports.js';
import { startEmbeddedPostgres } from '../engines/postgres.js';
import { startTemporalDevServer } from '../engines/temporal.js';
import { loadTemporalDevConfig } from '../engines/temporal-config.js';

const run = promisify(execFile);
const counts = (process.argv[2] ?? '1000,2500,5000').split(',').map(Number);
const intervalSeconds = Number(process.argv[3] ?? 5);
const durationSeconds = Number(process.argv[4] ?? 20);
const log = pino({ level: 'error' });

const dir = await mkdtemp(path.join(tmpdir(), 'syntra-bench-gw-'));
await chmod(dir, 0o755);
const postgres = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), database: 'syntra', log });
const temporalDev = await loadTemporalDevConfig('temporal-dev.yaml');
const temporal = await startTemporalDevServer(
  { ...temporalDev, ui: { ...temporalDev.ui, enabled: false } },
  { dataDir: dir, toolsDir: path.resolve('.tools'), persistent: false, ports: { frontend: await freePort(), http: await freePort(), metrics: await freePort() } },
  log,
);
const config = loadConfig({ SYNTRA_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: temporal.address, SYNTRA_AGENT_HEARTBEAT_SECONDS: String(intervalSeconds), LOG_LEVEL: 'error' });
const platform = await openPlatform(config, log);
const app = await buildApi(platform, log);
const syntraUrl = await app.listen({ port: 0, host: '127.0.0.1' });

const owner = await platform.db.insertInto('users').values({ email: 'bench@example.com' }).returning('id').executeTakeFirstOrThrow();
const org = await platform.db.insertInto('organizations').values({ name: 'bench', slug: 'bench', owner_id: owner.id }).returning('id').executeTakeFirstOrThrow();

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
    const rows = await platform.db
      .insertInto('servers')
      .values(batch.map((token, i) => ({ org_id: org.id, name: `bench-${agents.length + i}`, agent_token_hash: token.hash })))
      .returning('id')
      .execute();
    rows.forEach((row, i) => agents.push({ serverId: row.id, token: batch[i]!.token }));
  }
  const syntra = await swarm(syntraUrl.replace('http', 'ws'), agents);
  const baseline = await swarm(bareUrl, agents);
  const f = (n: number) => n.toFixed(1).padStart(6);
  console.log(`${String(count).padStart(6)} | ${f(syntra.p50)} | ${f(syntra.p99)} | ${f(syntra.max)} | ${f(baseline.p99)} | ${(syntra.p99 / baseline.p99).toFixed(1).padStart(5)}x | ${(syntra.heartbeats / durationSeconds).toFixed(0).padStart(6)} | ${syntra.failures}`);
}

await app.close();
await platform.close();
bare.close();
await Promise.all([temporal.stop(), postgres.stop()]);
await rm(dir, { recursive: true, force: true });
process.exit(0);
