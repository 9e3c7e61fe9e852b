import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { busyboxPath, installPlan, isStaticExecutable, testPrerequisites, type Prerequisite } from '../../cli/prerequisites.js';
import { onPath } from '../../engines/python-tools.js';

const run = promisify(execFile);
/* An unprivileged user, to see what `npm test` says to someone who may not install packages. */
const nobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];
/*
 * The unprivileged runs execute this checkout's own files, so they need a checkout that user can
 * read; one cloned under a private folder (/root/…) cannot host them, and says so as a skip.
 */
const readableByNobody = await run('setpriv', [...nobody, 'test', '-r', path.resolve('bin/syntra.js')]).then(
  () => true,
  () => false,
);

/** `syntra setup --tests`, run by `npm test` before any test: it readies the machine or says what is missing. */
describe('syntra setup --tests', () => {
  let bin: string;

  beforeAll(async () => {
    // A PATH with apt-get and nothing else: a Debian machine without any of the tools.
    bin = await mkdtemp(path.join(tmpdir(), 'syntra-setup-path-'));
    await chmod(bin, 0o755);
    await symlink((await onPath('apt-get'))!, path.join(bin, 'apt-get'));
  });
  afterAll(async () => {
    await rm(bin, { recursive: true, force: true });
  });

  const setupAs = (user: string[], env: NodeJS.ProcessEnv) =>
    run('setpriv', [...user, 'env', '-i', ...Object.entries(env).map(([name, value]) => `${name}=${value}`), process.execPath, 'bin/syntra.js', 'setup', '--tests']).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('finds everything on this machine, the Docker Engine answering, and says so a line per step', async () => {
    const { stdout } = await run(process.execPath, ['bin/syntra.js', 'setup', '--tests'], { env: { ...process.env, SYNTRA_TOOLS_DIR: inject('toolsDir') } });
    expect(stdout).toMatch(/^setup: Docker Engine \S+ answers$/m);
    expect(stdout).toMatch(/^setup: Temporal CLI: \S+$/m);
    expect(stdout).not.toContain('installing');
  });

  it.skipIf(!readableByNobody)('stops a user who may not install, before anything else, naming what is missing and the apt-get command', async () => {
    const result = await setupAs(nobody, { PATH: bin, HOME: tmpdir(), SYNTRA_TOOLS_DIR: inject('toolsDir') });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('The tests need what this machine lacks: Docker, a container registry (docker-registry), git, an ssh server and client (sshd, ssh), openssl, htpasswd, Caddy, curl, Pebble (ACME test server), zsh, fish.');
    expect(result.stderr).toContain('sudo apt-get install -y --no-install-recommends docker.io docker-registry git openssh-server openssl apache2-utils caddy curl pebble zsh fish');
    expect(result.stderr).not.toContain('    at ');
  });

  it.skipIf(!readableByNobody)('tells a user outside the docker group how to reach the engine', async () => {
    const result = await setupAs(nobody, { PATH: process.env.PATH!, HOME: tmpdir(), SYNTRA_TOOLS_DIR: inject('toolsDir') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not open to this user');
    expect(result.stderr).toContain('sudo usermod -aG docker $USER');
  });
});

describe('what to do about missing prerequisites', () => {
  const byPackage = (...packages: string[]) => testPrerequisites(inject('toolsDir')).filter((p: Prerequisite) => packages.includes(p.debianPackage));

  it('installs the Debian packages, each once, when root on Debian', () => {
    expect(installPlan(byPackage('docker.io', 'chromium'), { root: true, debian: true })).toEqual({ install: ['docker.io', 'chromium'] });
  });

  it('names where to get each one elsewhere', () => {
    const plan = installPlan(byPackage('busybox-static', 'chromium'), { root: true, debian: false });
    expect(plan).toEqual({ problem: expect.stringContaining(`a statically linked busybox at ${busyboxPath}`) });
    expect(plan).toEqual({ problem: expect.stringContaining('Chromium at /usr/bin/chromium') });
    expect(plan).not.toEqual({ problem: expect.stringContaining('apt-get') });
  });

  it('tells a static busybox from a dynamically linked program', async () => {
    expect(await isStaticExecutable(busyboxPath)).toBe(true);
    expect(await isStaticExecutable(process.execPath)).toBe(false);
    expect(await isStaticExecutable('package.json')).toBe(false);
    expect(await isStaticExecutable('/no/such/file')).toBe(false);
  });
});
