import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet } from '../agent/harness.js';
import { newSshKey, startSshGitServer, type SshGitServer, type SshKeyPair } from '../support/ssh-git-server.js';
import { dockerfileServing, startBuildStack, type BuildStack } from './build-stack.js';

/*
 * Builds from a repository over ssh with a deploy key, end to end: a real sshd on loopback (its
 * own host key, git-shell only) serving the build stack's repository; the key set through the
 * API, sealed; the agent fetches with it and the build deploys. A key sshd does not know, and a
 * host whose key changed, fail the build with a reason a person can act on. The key is then
 * looked for everywhere it must not be.
 */

const run = promisify(execFile);
let stack: BuildStack;
let sshd: SshGitServer;
let deployKey: SshKeyPair;
let unknownKey: SshKeyPair;
let agentLogFile: string;
let serviceId: string;
const deployments: string[] = [];
/** Where the in-process agent keeps its checkouts (agent/build/builder.ts's default). */
const agentBuilds = path.join(tmpdir(), 'syntra-agent-builds');

beforeAll(async () => {
  agentLogFile = path.join(tmpdir(), `syntra-ssh-agent-${process.pid}.log`);
  stack = await startBuildStack('ssh-builds', {}, {
    apiLogTo: 'api.log',
    agent: { log: pino({ level: 'trace' }, pino.destination({ dest: agentLogFile, sync: true })) },
  });
  sshd = await startSshGitServer(stack.git.repository);
  [deployKey, unknownKey] = await Promise.all([newSshKey('syntra-deploy'), newSshKey('not-authorized')]);
  await sshd.authorize(deployKey.publicKey);
}, 180_000);

afterAll(async () => {
  await sshd?.close();
  await stack?.stop();
  await rm(agentLogFile, { force: true });
}, 120_000);

const version = async () => (await httpGet(stack.host.endpoint(serviceId), '/version')).body.trim();

async function useKey(key: SshKeyPair) {
  const answer = await stack.rest.call('PATCH', `/projects/${stack.project.id}`, {
    git_repo_url: sshd.url,
    git_credentials: { kind: 'ssh', private_key: key.privateKey },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer;
}

async function deployAndWait() {
  const deployment = await stack.rest.deploy(serviceId);
  deployments.push(deployment);
  return stack.rest.until(deployment, ['running', 'failed', 'cancelled'], 180_000);
}

/** Whether a known_hosts file (hashed names or not) has a key for `host`. */
const knows = (file: string, host: string) =>
  run('ssh-keygen', ['-F', host, '-f', file]).then(
    () => true,
    () => false,
  );

/** The lines of a private key's body: any one of them found somewhere is a leak. */
const keyLines = (key: SshKeyPair) => key.privateKey.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));

describe('a service built from an ssh repository with a deploy key', () => {
  it('fetches with the key, builds, deploys, and records the host key in its own known_hosts', async () => {
    const patched = await useKey(deployKey);
    expect(patched.body.data).toMatchObject({ git_repo_url: sshd.url, git_credentials_set: true });
    await stack.git.commit('Over ssh', { Dockerfile: dockerfileServing('ssh-v1'), 'site/index.html': 'ssh\n' });
    serviceId = (await stack.buildService()).id;
    const done = await deployAndWait();
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(await version()).toBe('ssh-v1');
    expect(done.build_logs).toMatch(/Fetching main from ssh:\/\/127\.0\.0\.1:\d+\//);
    // Trust on first use, recorded beside the checkout, not in the agent user's ~/.ssh.
    const knownHosts = path.join(agentBuilds, serviceId, 'known_hosts');
    expect(await readFile(knownHosts, 'utf8')).toContain(await sshd.hostKey());
    expect(await knows(knownHosts, sshd.knownHostsName)).toBe(true);
    expect(await knows(path.join(homedir(), '.ssh', 'known_hosts'), sshd.knownHostsName)).toBe(false);
    // The key was written for the checkout alone (ssh refuses a key file others may read, so the fetch succeeding says it was 0600).
    expect(await readdir(path.join(agentBuilds, serviceId))).not.toContain('scratch');
  }, 240_000);

  it('fails with a key the server does not know, saying so in the log, and the old version keeps answering', async () => {
    await useKey(unknownKey);
    await stack.git.commit('Never fetched', { Dockerfile: dockerfileServing('ssh-v2') });
    const done = await deployAndWait();
    expect(done.status).toBe('failed');
    expect(done.events.at(-1)?.error_code).toBe('GIT_FAILED');
    expect(done.error_message).toContain('Could not fetch branch main from ssh://127.0.0.1:');
    expect(done.error_message).toContain('Permission denied (publickey)');
    expect(done.build_logs).toContain('GIT_FAILED: Could not fetch branch main');
    expect(await version()).toBe('ssh-v1');
  }, 240_000);

  it('refuses a host whose key changed, names the file to delete, and trusts the new key once it is deleted', async () => {
    await useKey(deployKey);
    await sshd.replaceHostKey();
    const refused = await deployAndWait();
    expect(refused.status).toBe('failed');
    const knownHosts = path.join(agentBuilds, serviceId, 'known_hosts');
    expect(refused.error_message).toContain(`delete ${knownHosts} on the build server to trust the new one`);
    expect(await version()).toBe('ssh-v1');

    await rm(knownHosts);
    const done = await deployAndWait();
    expect(done.status, done.error_message ?? '').toBe('running');
    expect(await version()).toBe('ssh-v2');
  }, 240_000);

  it('never shows either key: not in API answers, build logs, the outbox, the audit log, the API log or the agent log', async () => {
    const project = await stack.rest.call('GET', `/projects/${stack.project.id}`);
    const answers = [JSON.stringify(project.body)];
    for (const id of deployments) answers.push(JSON.stringify(await stack.rest.deployment(id)));
    const { db } = stack.api.platform;
    const outbox = await db.selectFrom('agent_commands').select(sql<string>`payload::text`.as('text')).execute();
    const audit = await db.selectFrom('audit_logs').select(sql<string>`row_to_json(audit_logs)::text`.as('text')).execute();
    const apiLog = await readFile(path.join(stack.api.config.dataDir, 'api.log'), 'utf8');
    const agentLog = await readFile(agentLogFile, 'utf8');
    // The logs were written to: an empty file would prove nothing.
    expect((await stat(path.join(stack.api.config.dataDir, 'api.log'))).size).toBeGreaterThan(0);
    expect(agentLog.length).toBeGreaterThan(0);
    expect(outbox.some((row) => row.text.includes('"type":"build"') || row.text.includes(sshd.url))).toBe(true);
    const everywhere = [...answers, ...outbox.map((row) => row.text), ...audit.map((row) => row.text), apiLog, agentLog].join('\n');
    for (const line of [...keyLines(deployKey), ...keyLines(unknownKey)]) expect(everywhere).not.toContain(line);
  }, 60_000);
});
