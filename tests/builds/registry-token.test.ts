import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintRegistryCredential } from '../../control/registry/credentials.js';
import { ensureTokenSigningKey, type TokenSigningKey } from '../../control/registry/token-keys.js';
import { registryService, signRegistryToken, tokenIssuer } from '../../control/registry/token-server.js';
import { freePort } from '../../engines/ports.js';
import { startRegistry, type RunningRegistry } from '../../engines/registry.js';
import { docker, ensureDockerd } from '../support/docker.js';
import { startTestApi } from '../support/platform.js';

/*
 * The platform's registry with the control plane as its token server: real `docker-registry`,
 * real dockerd pushing and pulling with minted credentials, the token endpoint over HTTP.
 */

let api: Awaited<ReturnType<typeof startTestApi>>;
let registry: RunningRegistry;
let signer: TokenSigningKey;
let baseUrl: string;

const basic = (auth: { username: string; password: string }) => `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;

async function pushTestImage(repository: string): Promise<string> {
  const target = `${registry.address}/${repository}:t1`;
  await docker('tag', 'syntra-agent-test/http:v1', target);
  const dockerode = await ensureDockerd();
  const auth = mintRegistryCredential(api.platform.secrets, { repository, actions: ['pull', 'push'], ttlSeconds: 60 });
  const stream = await dockerode.getImage(target).push({ authconfig: { ...auth, serveraddress: registry.address } });
  const events: { error?: string }[] = await new Promise((resolve, reject) => dockerode.modem.followProgress(stream, (error, output) => (error ? reject(error) : resolve(output))));
  const failure = events.find((event) => event.error);
  if (failure) throw new Error(failure.error);
  await docker('rmi', target);
  return target;
}

/** A pull through dockerd with a credential: what an agent does for a deploy. */
async function pullWith(target: string, auth: { username: string; password: string }): Promise<string | null> {
  const dockerode = await ensureDockerd();
  try {
    const stream = await dockerode.pull(target, { authconfig: { ...auth, serveraddress: registry.address } });
    const events: { error?: string }[] = await new Promise((resolve, reject) => dockerode.modem.followProgress(stream, (error, output) => (error ? reject(error) : resolve(output))));
    await docker('rmi', target).catch(() => undefined);
    return events.find((event) => event.error)?.error ?? null;
  } catch (error) {
    return String(error);
  }
}

beforeAll(async () => {
  await ensureDockerd();
  const port = await freePort();
  api = await startTestApi('registry-token', { REGISTRY_URL: `http://127.0.0.1:${port}` });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  signer = await ensureTokenSigningKey(api.config.dataDir);
  registry = await startRegistry({
    directory: `${api.config.dataDir}/registry`,
    port,
    realm: `${baseUrl}/registry/token`,
    service: registryService,
    issuer: tokenIssuer,
    certificateFile: signer.certificateFile,
  });
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await api?.close();
}, 60_000);

describe('the registry token server', () => {
  it('lets a pull credential pull its own repository and nothing else', async () => {
    const mine = await pushTestImage('services/mine');
    const other = await pushTestImage('services/other');
    const pullMine = mintRegistryCredential(api.platform.secrets, { repository: 'services/mine', actions: ['pull'], ttlSeconds: 60 });
    expect(await pullWith(mine, pullMine)).toBeNull();
    expect(await pullWith(other, pullMine)).toMatch(/denied|unauthorized/i);
    expect(await pullWith(`${registry.address}/services/mine:t1`, { username: 'syntra', password: 'not-a-credential' })).toMatch(/unauthorized|denied/i);
  }, 120_000);

  it('grants only the actions a credential names, on its repository, and refuses expired ones', async () => {
    const pullOnly = mintRegistryCredential(api.platform.secrets, { repository: 'services/mine', actions: ['pull'], ttlSeconds: 60 });
    const ask = async (auth: { username: string; password: string }, scope: string) => {
      const response = await fetch(`${baseUrl}/registry/token?service=${registryService}&scope=${encodeURIComponent(scope)}`, { headers: { authorization: basic(auth) } });
      const body = (await response.json()) as { token?: string };
      return { status: response.status, access: body.token ? JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString()).access : null };
    };
    expect(await ask(pullOnly, 'repository:services/mine:pull,push')).toEqual({ status: 200, access: [{ type: 'repository', name: 'services/mine', actions: ['pull'] }] });
    expect(await ask(pullOnly, 'repository:services/other:pull')).toEqual({ status: 200, access: [] });
    const expired = mintRegistryCredential(api.platform.secrets, { repository: 'services/mine', actions: ['pull'], ttlSeconds: 60 }, Date.now() - 120_000);
    expect((await ask(expired, 'repository:services/mine:pull')).status).toBe(401);
  });

  it('has the registry refuse an expired registry token and accept a fresh one', async () => {
    const manifest = (token: string) =>
      fetch(`http://${registry.address}/v2/services/mine/manifests/t1`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      }).then((response) => response.status);
    const access = [{ type: 'repository' as const, name: 'services/mine', actions: ['pull'] }];
    expect(await manifest(signRegistryToken(signer, 'test', access))).toBe(200);
    expect(await manifest(signRegistryToken(signer, 'test', access, Date.now() - 10 * 60_000, 60))).toBe(401);
    expect(await manifest(signRegistryToken(signer, 'test', [{ ...access[0]!, name: 'services/other' }]))).toBe(401);
  });
});
