import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import { issueToken, tokenMatchesHash } from '../contracts/tokens.js';
import type { Config } from '../config/env.js';
import { readFileIfPresent } from '../config/files.js';
import { createDb } from '../db/postgres/connection.js';
import type { Database, ServerRow } from '../db/postgres/database.js';
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
  const serverId = await db
    .transaction()
    .execute((trx) => (server ? reissueAgentToken(trx, server, token.hash) : createThisMachine(trx, org.id, token.hash)));
  await writeSavedAgent(file, { server_id: serverId, agent_token: token.token });
  return { serverId, agentToken: token.token, registration: server ? 'reissued' : 'created' };
}

async function createThisMachine(trx: Kysely<Database>, orgId: string, agentTokenHash: string): Promise<string> {
  const server = await insertServer(trx, { org_id: orgId, name: thisMachineName, agent_token_hash: agentTokenHash });
  await auditAsSyntraDev(trx, server, 'server.create');
  return server.id;
}

async function reissueAgentToken(trx: Kysely<Database>, server: ServerRow, agentTokenHash: string): Promise<string> {
  await setAgentTokenHash(trx, { orgId: server.org_id }, server.id, agentTokenHash);
  await auditAsSyntraDev(trx, server, 'server.agent_token_reissue');
  return server.id;
}

/* No person asked for it: the entry names `syntra dev` instead of a user. */
async function auditAsSyntraDev(trx: Kysely<Database>, server: ServerRow, action: string): Promise<void> {
  await insertAuditLog(trx, {
    org_id: server.org_id,
    user_id: null,
    action,
    resource_type: 'server',
    resource_id: server.id,
    details: JSON.stringify({ name: server.name, via: 'syntra dev' }),
    ip_address: null,
    user_agent: null,
  });
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
  const text = await readFileIfPresent(file);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = savedAgent.safeParse(json);
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
