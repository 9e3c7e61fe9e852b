import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import { issueToken, tokenMatchesHash } from '../api/auth/tokens.js';
import type { Config } from '../config/env.js';
import { createDb } from '../db/postgres/connection.js';
import type { Database } from '../db/postgres/database.js';
import { insertAuditLog } from '../db/queries/audit-logs.js';
import { bootstrappedOrganization } from '../db/queries/organizations.js';
import { insertServer, serverById, setAgentTokenHash } from '../db/queries/servers.js';
import { dockerEngineAddress, dockerEngineVersion } from './docker-engine.js';
import { supervise, type SupervisedProcess } from './supervisor.js';

/*
 * `syntra dev` offers the machine it runs on as a server, as Coolify offers "localhost": when a
 * Docker Engine answers, an agent runs beside the control plane, so a first deploy needs no
 * second machine.
 */

export const thisMachineName = 'this machine';
/** In the data folder, readable by its owner only: the server's id and its agent token. */
export const thisMachineFileName = 'this-machine.json';

const savedAgent = z.object({ server_id: z.uuid(), agent_token: z.string().startsWith('syn_agt_') });
type SavedAgent = z.infer<typeof savedAgent>;

export interface ThisMachine {
  serverId: string;
  agentToken: string;
  /** What this start did: registered the server, reused it as saved, or gave it a new token. */
  registration: 'created' | 'reused' | 'reissued';
}

/**
 * Registers "this machine" in the bootstrapped organization once; later starts reuse it. The
 * agent token is kept rather than re-issued at each start because every deployed service's
 * Sentry DSN derives from its hash (agent/telemetry/dsn.ts): a new token would silence the
 * services already running. A token that no longer matches (a restored database) is re-issued;
 * a server deleted since is registered again, since `syntra dev` always offers this machine.
 */
export async function registerThisMachine(db: Kysely<Database>, dataDir: string): Promise<ThisMachine> {
  const org = await bootstrappedOrganization(db);
  if (!org) throw new Error('No organization yet: the API bootstraps it at its first start');
  const file = path.join(dataDir, thisMachineFileName);
  const saved = await readSavedAgent(file);
  const server = saved && (await serverById(db, { orgId: org.id }, saved.server_id));
  if (saved && server && tokenMatchesHash(saved.agent_token, server.agent_token_hash)) {
    return { serverId: server.id, agentToken: saved.agent_token, registration: 'reused' };
  }

  const token = issueToken('agt');
  const serverId = await db.transaction().execute(async (trx) => {
    const id = server ? server.id : (await insertServer(trx, { org_id: org.id, name: thisMachineName, agent_token_hash: token.hash })).id;
    if (server) await setAgentTokenHash(trx, { orgId: org.id }, id, token.hash);
    await insertAuditLog(trx, {
      org_id: org.id,
      user_id: null,
      action: server ? 'server.agent_token_reissue' : 'server.create',
      resource_type: 'server',
      resource_id: id,
      details: JSON.stringify({ name: server?.name ?? thisMachineName, via: 'syntra dev' }),
      ip_address: null,
      user_agent: null,
    });
    return id;
  });
  await writeSavedAgent(file, { server_id: serverId, agent_token: token.token });
  return { serverId, agentToken: token.token, registration: server ? 'reissued' : 'created' };
}

/**
 * When a Docker Engine answers, registers this machine and starts its agent as a supervised
 * child (`syntra agent`, the token in its environment, never on a command line). Returns the
 * agent, if any, and the line `syntra dev` prints about it.
 */
export async function offerThisMachine(options: {
  config: Config;
  databaseUrl: string;
  controlPlaneUrl: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}): Promise<{ agent?: SupervisedProcess; summary: string }> {
  const docker = await dockerEngineVersion();
  if (!docker) {
    return { summary: `not offered: no Docker Engine answers at ${dockerEngineAddress()} (start Docker and restart, or add a server)` };
  }
  const db = createDb(options.databaseUrl, { log: options.log });
  const machine = await registerThisMachine(db, options.config.dataDir).finally(() => db.destroy());
  const agent = supervise(
    'agent',
    {
      ...options.env,
      SYNTRA_AGENT_URL: options.controlPlaneUrl,
      SYNTRA_AGENT_TOKEN: machine.agentToken,
      SYNTRA_AGENT_DATA_DIR: path.join(options.config.dataDir, 'agent'),
    },
    options.log,
  );
  return { agent, summary: `server "${thisMachineName}" (Docker ${docker} at ${dockerEngineAddress()})` };
}

async function readSavedAgent(file: string): Promise<SavedAgent | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = z
    .string()
    .transform((json, ctx) => {
      try {
        return JSON.parse(json) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(savedAgent)
    .safeParse(text);
  if (!parsed.success) throw new Error(`${file} is not what syntra dev wrote; delete it and this machine is registered again`);
  return parsed.data;
}

/* Written under a private name and renamed into place, so a crash never leaves half a token. */
async function writeSavedAgent(file: string, agent: SavedAgent): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const draft = `${file}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${JSON.stringify(agent)}\n`, { mode: 0o600, flag: 'wx' });
  await rename(draft, file);
}
