import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { issueToken } from '../../contracts/tokens.js';
import type { Database } from '../../db/postgres/database.js';

const run = promisify(execFile);

export interface SwarmAgent {
  serverId: string;
  token: string;
}

/** What bench/support/agent-swarm.ts reports: heartbeats answered while measuring, sockets closed on it, pong round trips in ms. */
export interface SwarmResult {
  agents: number;
  heartbeats: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
}

/** Adds servers (with agent tokens) to `agents` until it holds `count`. */
export async function enrollAgents(db: Kysely<Database>, orgId: string, agents: SwarmAgent[], count: number): Promise<void> {
  while (agents.length < count) {
    const batch = Array.from({ length: Math.min(500, count - agents.length) }, () => issueToken('agt'));
    const rows = await db
      .insertInto('servers')
      .values(batch.map((token, i) => ({ org_id: orgId, name: `bench-${agents.length + i}`, agent_token_hash: token.hash })))
      .returning('id')
      .execute();
    rows.forEach((row, i) => agents.push({ serverId: row.id, token: batch[i]!.token }));
  }
}

/** Runs the swarm in a process of its own (so its CPU is not the bench's) against `url` (ws://). */
export async function runSwarm(url: string, agents: SwarmAgent[], intervalSeconds: number, durationSeconds: number): Promise<SwarmResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'syntra-swarm-'));
  try {
    const file = path.join(dir, 'agents.json');
    await writeFile(file, JSON.stringify(agents));
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/support/agent-swarm.ts', file, url, String(intervalSeconds), String(durationSeconds)],
      { maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as SwarmResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
