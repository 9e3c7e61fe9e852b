import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../contracts/tokens.js';
import { registerThisMachine, thisMachineFileName, thisMachineName } from '../../cli/this-machine.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

/* How `syntra dev` registers the machine it runs on, against a real PostgreSQL. */
describe('this machine as a server', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let savedFile: string;

  beforeAll(async () => {
    api = await startTestApi('this-machine');
    savedFile = path.join(api.config.dataDir, thisMachineFileName);
  });
  afterAll(async () => {
    await api?.close();
  });

  const serverRows = () => api.platform.db.selectFrom('servers').selectAll().execute();
  const auditActions = () => api.platform.db.selectFrom('audit_logs').select(['action', 'user_id', 'resource_id']).where('resource_type', '=', 'server').orderBy('created_at').execute();
  const savedAgent = async () => JSON.parse(await readFile(savedFile, 'utf8')) as { server_id: string; agent_token: string };

  it('is registered once in the bootstrapped organization, audited, its token kept owner-only and stored hashed', async () => {
    const first = await registerThisMachine(api.platform.db, api.config.dataDir);
    expect(first.registration).toBe('created');
    const org = await bootstrappedOrganization(api.platform.db);
    const [server] = await serverRows();
    expect(server).toMatchObject({ id: first.serverId, org_id: org.id, name: thisMachineName, agent_token_hash: hashToken(first.agentToken) });
    expect((await stat(savedFile)).mode & 0o777).toBe(0o600);
    expect(await savedAgent()).toEqual({ server_id: first.serverId, agent_token: first.agentToken });
    expect(await auditActions()).toEqual([{ action: 'server.create', user_id: null, resource_id: first.serverId }]);

    const listed = await api.app.inject({ method: 'GET', url: '/api/v1/servers', headers: bearer(api.ownerToken) });
    expect(listed.json().data.map((row: { name: string }) => row.name)).toEqual([thisMachineName]);
  });

  it('is reused by the next start, token and all, changing nothing', async () => {
    const before = await savedAgent();
    const again = await registerThisMachine(api.platform.db, api.config.dataDir);
    expect(again).toEqual({ serverId: before.server_id, agentToken: before.agent_token, registration: 'reused' });
    expect(await serverRows()).toHaveLength(1);
    expect(await auditActions()).toHaveLength(1);
  });

  it('gets a new token when the saved one no longer matches, keeping the server', async () => {
    const before = await savedAgent();
    await api.platform.db.updateTable('servers').set({ agent_token_hash: hashToken('syn_agt_restored-from-a-backup') }).execute();
    const reissued = await registerThisMachine(api.platform.db, api.config.dataDir);
    expect(reissued).toMatchObject({ serverId: before.server_id, registration: 'reissued' });
    expect(reissued.agentToken).not.toBe(before.agent_token);
    expect((await serverRows())[0]!.agent_token_hash).toBe(hashToken(reissued.agentToken));
    expect((await auditActions()).map((entry) => entry.action)).toEqual(['server.create', 'server.agent_token_reissue']);
  });

  it('is registered again after it was deleted', async () => {
    const before = await savedAgent();
    await api.platform.db.deleteFrom('servers').execute();
    const recreated = await registerThisMachine(api.platform.db, api.config.dataDir);
    expect(recreated.registration).toBe('created');
    expect(recreated.serverId).not.toBe(before.server_id);
    expect((await serverRows()).map((server) => server.name)).toEqual([thisMachineName]);
  });

  it('refuses a saved file it did not write, naming it, and registers nothing', async () => {
    await writeFile(savedFile, 'not json');
    await expect(registerThisMachine(api.platform.db, api.config.dataDir)).rejects.toThrow(`${savedFile} is not what syntra dev wrote`);
    expect(await serverRows()).toHaveLength(1);
  });
});
