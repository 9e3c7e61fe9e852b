import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import { issueToken } from '../../contracts/tokens.js';
import { openPlatform, type Platform } from '../../control/platform.js';
import { SecretCipher, SecretDecryptionError } from '../../control/secrets/cipher.js';
import { loadMasterKey, masterKeyFileName } from '../../control/secrets/master-key.js';
import { parseMasterKey } from '../../config/master-key.js';
import { MasterKeyMismatchError, openSecretCipher } from '../../control/secrets/open-cipher.js';
import { deliverablePayload, sealDeployCommand } from '../../control/secrets/command-secrets.js';
import { registryAuthOf } from '../../control/secrets/registry-credentials.js';
import { decryptedEnv, maskedValue } from '../../control/secrets/service-env.js';
import { ConfigError, loadConfig } from '../../config/env.js';
import { addMember, bearer, bootstrappedOrganization } from '../support/auth.js';
import { createServer, deployPayload } from '../support/fixtures.js';
import { testConfig } from '../support/platform.js';

const keyOf = (byte: number) => Buffer.alloc(32, byte);

describe('the secret cipher', () => {
  const cipher = new SecretCipher(new Map([[1, keyOf(1)]]), 1);

  it('opens what it sealed, with a fresh IV every time and the key version in the first byte', () => {
    const first = cipher.seal('hunter2', 'ctx');
    const second = cipher.seal('hunter2', 'ctx');
    expect(cipher.open(first, 'ctx')).toBe('hunter2');
    expect(first.equals(second)).toBe(false);
    expect(first[0]).toBe(1);
    expect(first.length).toBe(1 + 12 + 16 + 'hunter2'.length);
    expect(first.toString('latin1')).not.toContain('hunter2');
  });

  it('refuses an altered byte anywhere, another context, another key, and an unknown key version', () => {
    const sealed = cipher.seal('database password', 'services.env_vars_encrypted:a');
    for (const index of [1, 13, 29, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[index]! ^= 0x01;
      expect(() => cipher.open(altered, 'services.env_vars_encrypted:a'), `byte ${index}`).toThrow(SecretDecryptionError);
    }
    expect(() => cipher.open(sealed, 'services.env_vars_encrypted:b')).toThrow(SecretDecryptionError);
    expect(() => new SecretCipher(new Map([[1, keyOf(2)]]), 1).open(sealed, 'services.env_vars_encrypted:a')).toThrow(SecretDecryptionError);
    const otherVersion = Buffer.from(sealed);
    otherVersion[0] = 2;
    expect(() => cipher.open(otherVersion, 'services.env_vars_encrypted:a')).toThrow(/version 2/);
    expect(() => cipher.open(sealed.subarray(0, 20), 'services.env_vars_encrypted:a')).toThrow(SecretDecryptionError);
  });

  it('opens values sealed under an older key version once both keys are loaded (the rotation path)', () => {
    const old = cipher.seal('v1 secret', 'ctx');
    const rotated = new SecretCipher(new Map([[1, keyOf(1)], [2, keyOf(2)]]), 2);
    expect(rotated.open(old, 'ctx')).toBe('v1 secret');
    expect(rotated.seal('v2 secret', 'ctx')[0]).toBe(2);
  });

  it('takes a master key only as 32 bytes of hex or base64', () => {
    const key = randomBytes(32);
    expect(parseMasterKey(key.toString('hex'))).toEqual(key);
    expect(parseMasterKey(key.toString('base64'))).toEqual(key);
    expect(parseMasterKey(key.toString('base64url'))).toEqual(key);
    expect(parseMasterKey(randomBytes(31).toString('base64'))).toBeNull();
    expect(parseMasterKey('correct horse battery staple')).toBeNull();
    expect(() => loadConfig({ SYNTRA_MASTER_KEY: randomBytes(16).toString('hex') })).toThrow(ConfigError);
    expect(() => loadConfig({ SYNTRA_MASTER_KEY: randomBytes(16).toString('hex') })).toThrow(/SYNTRA_MASTER_KEY/);
  });

  it('generates the master key file once, private to its owner, and reads the same key back', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'syntra-master-key-'));
    try {
      const [first, racing] = await Promise.all([loadMasterKey({ dataDir, SYNTRA_MASTER_KEY: undefined }), loadMasterKey({ dataDir, SYNTRA_MASTER_KEY: undefined })]);
      expect(first.key).toEqual(racing.key);
      expect([first.source, racing.source].sort()).toEqual(['file', 'generated']);
      const file = path.join(dataDir, masterKeyFileName);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(parseMasterKey(await readFile(file, 'utf8'))).toEqual(first.key);
      expect((await loadMasterKey({ dataDir, SYNTRA_MASTER_KEY: undefined })).key).toEqual(first.key);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a deploy command in the outbox', () => {
  const cipher = new SecretCipher(new Map([[1, keyOf(1)]]), 1);
  const deploy = deployPayload('deploy-1', { envVars: { API_TOKEN: 'env-secret', MODE: 'plain' }, registryAuth: { username: 'ci', password: 'registry-secret' } });
  const row = (requestId: string, sealed: ReturnType<typeof sealDeployCommand>) => ({ type: 'deploy', request_id: requestId, payload: sealed.payload, sealed_secrets: sealed.sealedSecrets });

  it('is stored without its env values and registry credentials, and sent whole', () => {
    const sealed = sealDeployCommand(cipher, deploy);
    const stored = JSON.stringify(sealed.payload);
    for (const value of ['env-secret', 'plain', 'registry-secret', 'API_TOKEN', '"ci"']) expect(stored).not.toContain(value);
    expect(sealed.sealedSecrets.includes('env-secret')).toBe(false);
    expect(deliverablePayload(cipher, row('deploy-1', sealed))).toEqual(deploy);
  });

  it("refuses secrets sealed for another command, and a deploy whose secrets are gone", () => {
    const other = sealDeployCommand(cipher, { ...deploy, request_id: 'deploy-2' });
    expect(() => deliverablePayload(cipher, row('deploy-1', { ...sealDeployCommand(cipher, deploy), sealedSecrets: other.sealedSecrets }))).toThrow(SecretDecryptionError);
    expect(() => deliverablePayload(cipher, { ...row('deploy-1', sealDeployCommand(cipher, deploy)), sealed_secrets: null })).toThrow(/no sealed secrets/);
  });

  it('sends every other command as it was queued', () => {
    const restart = { request_id: 'restart-1', service_id: deploy.service_id, timeout_seconds: 10 };
    expect(deliverablePayload(cipher, { type: 'restart', request_id: 'restart-1', payload: restart, sealed_secrets: null })).toEqual(restart);
  });
});

describe('secrets at rest and over the API', () => {
  let platform: Platform;
  let app: Awaited<ReturnType<typeof buildApi>>;
  let cleanup: () => Promise<void>;
  let owner: Record<string, string>;
  let orgId: string;
  let serverId: string;
  let projectId: string;
  let logs = '';
  let sequence = 0;

  beforeAll(async () => {
    const ownerToken = issueToken('usr').token;
    const prepared = await testConfig('secrets', { SYNTRA_BOOTSTRAP_TOKEN: ownerToken });
    cleanup = prepared.cleanup;
    // Everything the API logs, at the most talkative level, to prove no secret reaches it.
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
    const log = pino({ level: 'trace' }, logStream);
    platform = await openPlatform(prepared.config, log);
    app = await buildApi(platform, log);
    await app.ready();
    owner = bearer(ownerToken);
    orgId = (await bootstrappedOrganization(platform.db)).id;
    serverId = (await createServer(platform.db, orgId, 'secret-host')).server.id;
    projectId = (await app.inject({ method: 'POST', url: '/api/v1/projects', headers: owner, payload: { name: 'secrets' } })).json().data.id;
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
    await cleanup?.();
  });

  async function newService(body: Record<string, unknown> = {}): Promise<string> {
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/projects/${projectId}/services`,
      headers: owner,
      payload: { name: `secret-svc-${++sequence}`, server_id: serverId, port: 80, source_type: 'nixpacks', source_config: {}, ...body },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().data.id;
  }

  const putEnv = (serviceId: string, variables: unknown[]) =>
    app.inject({ method: 'PUT', url: `/api/v1/services/${serviceId}/env`, headers: owner, payload: { variables } });
  const listEnv = (serviceId: string, headers = owner, query = '') =>
    app.inject({ method: 'GET', url: `/api/v1/services/${serviceId}/env${query}`, headers });
  const sealedEnvOf = async (serviceId: string) =>
    (await platform.db.selectFrom('services').select('env_vars_encrypted').where('id', '=', serviceId).executeTakeFirstOrThrow()).env_vars_encrypted!;

  it('stores ciphertext, never the values or the keys, in the database row', async () => {
    const serviceId = await newService();
    await putEnv(serviceId, [
      { key: 'DATABASE_URL', value: 'postgres://app:pa55word@db/app', is_secret: true },
      { key: 'GREETING', value: 'hello-plain-value' },
    ]);
    const sealed = await sealedEnvOf(serviceId);
    expect(sealed[0]).toBe(1);
    for (const text of ['pa55word', 'hello-plain-value', 'DATABASE_URL', 'GREETING']) {
      expect(sealed.toString('latin1')).not.toContain(text);
    }
    expect(await decryptedEnv(platform.db, platform.secrets, serviceId)).toEqual({
      DATABASE_URL: 'postgres://app:pa55word@db/app',
      GREETING: 'hello-plain-value',
    });
  });

  it('seals the registry password the same way and never returns it', async () => {
    const serviceId = await newService({
      source_type: 'image',
      source_config: { image: { registry: 'registry.example.com', repository: 'acme/api', tag: 'v1' }, registry_auth: { username: 'deployer', password: 'r3gistry-pw' } },
    });
    const row = await platform.db.selectFrom('services').selectAll().where('id', '=', serviceId).executeTakeFirstOrThrow();
    expect(row.registry_password_encrypted!.toString('latin1')).not.toContain('r3gistry-pw');
    expect(registryAuthOf(platform.secrets, row)).toEqual({ username: 'deployer', password: 'r3gistry-pw' });
    const fetched = await app.inject({ method: 'GET', url: `/api/v1/services/${serviceId}`, headers: owner });
    expect(fetched.json().data.source_config.registry_auth).toEqual({ username: 'deployer' });
    expect(fetched.body).not.toContain('r3gistry-pw');
  });

  it("masks secrets' values in a listing and reveals them to a role with secrets.read, on request", async () => {
    const serviceId = await newService();
    await putEnv(serviceId, [
      { key: 'API_KEY', value: 'sk_live_123', is_secret: true },
      { key: 'REGION', value: 'eu-west' },
    ]);
    const masked = await listEnv(serviceId);
    expect(masked.json().data).toEqual([
      { key: 'API_KEY', value: maskedValue, is_secret: true },
      { key: 'REGION', value: 'eu-west', is_secret: false },
    ]);
    expect(masked.body).not.toContain('sk_live_123');

    const developer = bearer((await addMember(platform.db, orgId, 'developer')).token);
    for (const headers of [owner, developer]) {
      expect((await listEnv(serviceId, headers, '?reveal=true')).json().data[0]).toEqual({ key: 'API_KEY', value: 'sk_live_123', is_secret: true });
    }
    const projectToken = bearer((await addMember(platform.db, orgId, 'developer', { projectId })).token);
    expect((await listEnv(serviceId, projectToken, '?reveal=true')).json().data[0].value).toBe('sk_live_123');

    const viewer = bearer((await addMember(platform.db, orgId, 'viewer')).token);
    expect((await listEnv(serviceId, viewer)).json().data[0].value).toBe(maskedValue);
    const refused = await listEnv(serviceId, viewer, '?reveal=true');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('FORBIDDEN');
    expect(refused.body).not.toContain('sk_live_123');

    const reveals = await platform.db.selectFrom('audit_logs').selectAll().where('resource_id', '=', serviceId).where('action', '=', 'env.reveal').execute();
    expect(reveals).toHaveLength(3);
    expect(reveals[0]!.details).toMatchObject({ secret_keys: ['API_KEY'] });
  });

  it('answers 500 rather than garbage when the stored ciphertext was altered or moved from another service', async () => {
    const victim = await newService();
    const donor = await newService();
    await putEnv(victim, [{ key: 'TOKEN', value: 'victim-secret', is_secret: true }]);
    await putEnv(donor, [{ key: 'TOKEN', value: 'donor-secret', is_secret: true }]);

    const altered = Buffer.from(await sealedEnvOf(victim));
    altered[altered.length - 1]! ^= 0xff;
    await platform.db.updateTable('services').set({ env_vars_encrypted: altered }).where('id', '=', victim).execute();
    const tampered = await listEnv(victim, owner, '?reveal=true');
    expect(tampered.statusCode).toBe(500);
    expect(tampered.json().error.code).toBe('INTERNAL_ERROR');
    await expect(decryptedEnv(platform.db, platform.secrets, victim)).rejects.toThrow(SecretDecryptionError);

    await platform.db.updateTable('services').set({ env_vars_encrypted: await sealedEnvOf(donor) }).where('id', '=', victim).execute();
    const moved = await listEnv(victim, owner, '?reveal=true');
    expect(moved.statusCode).toBe(500);
    expect(moved.body).not.toContain('donor-secret');
  });

  it('never logs a value, even at trace level', async () => {
    const serviceId = await newService({ env_vars: { CREATED_WITH: 'creation-value-xyz' } });
    await putEnv(serviceId, [{ key: 'LOGGED', value: 'should-never-be-logged', is_secret: true }]);
    await listEnv(serviceId, owner, '?reveal=true');
    await app.inject({ method: 'DELETE', url: `/api/v1/services/${serviceId}/env/LOGGED`, headers: owner });
    expect(logs).toContain(serviceId);
    expect(logs).not.toContain('should-never-be-logged');
    expect(logs).not.toContain('creation-value-xyz');
  });

  it('refuses to start with a master key other than the one the database was first started with', async () => {
    const { config } = platform;
    const quiet = pino({ level: 'silent' });
    const rightKey = (await readFile(path.join(config.dataDir, masterKeyFileName), 'utf8')).trim();

    const wrongKey = loadConfig({ ...configEnv(config), SYNTRA_MASTER_KEY: randomBytes(32).toString('hex') });
    const startWithWrongKey = openPlatform(wrongKey, quiet);
    await expect(startWithWrongKey).rejects.toThrow(MasterKeyMismatchError);
    await expect(startWithWrongKey).rejects.toThrow(/SYNTRA_MASTER_KEY/);

    // A fresh data folder generates a new key file: the same loud refusal, naming that file.
    const freshDataDir = await mkdtemp(path.join(tmpdir(), 'syntra-secrets-fresh-'));
    try {
      const lostKeyFile = loadConfig({ ...configEnv(config), SYNTRA_DATA_DIR: freshDataDir });
      await expect(openSecretCipher(platform.db, lostKeyFile, quiet)).rejects.toThrow(path.join(freshDataDir, masterKeyFileName));
    } finally {
      await rm(freshDataDir, { recursive: true, force: true });
    }

    // The same key given in the environment instead of the file opens what the file's key sealed.
    const serviceId = await newService({ env_vars: { KEPT: 'across-restarts' } });
    const sameKey = loadConfig({ ...configEnv(config), SYNTRA_MASTER_KEY: rightKey });
    const reopened = await openSecretCipher(platform.db, sameKey, quiet);
    expect(await decryptedEnv(platform.db, reopened, serviceId)).toEqual({ KEPT: 'across-restarts' });
  });
});

/** The environment a config was loaded from, as far as opening the platform again needs. */
function configEnv(config: Platform['config']): Record<string, string> {
  return {
    SYNTRA_DATA_DIR: config.dataDir,
    SYNTRA_TOOLS_DIR: config.toolsDir,
    DATABASE_URL: config.DATABASE_URL!,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS!,
    ...(config.TEMPORAL_NAMESPACE ? { TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE } : {}),
    LOG_LEVEL: 'silent',
  };
}
