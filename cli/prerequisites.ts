import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { findPostgresTool } from '../engines/postgres-tools.js';
import { onPath } from '../engines/python-tools.js';
import { findTemporalCli } from '../engines/temporal-cli.js';

/*
 * What the test suite needs from the machine beyond Node and npm, how to tell it is there, and
 * which Debian package brings it. `syntra setup --tests` (run by `npm test`) installs what is
 * missing with apt-get when it runs as root on Debian, and otherwise stops before any test with
 * one message naming what is missing and how to install it.
 */

const run = promisify(execFile);

/** Debian's Chromium, which the UI tests drive through playwright-core (no browser download). */
export const chromiumPath = '/usr/bin/chromium';
/** The busybox test images are built from: it must be static, as it runs alone in an empty image. */
export const busyboxPath = '/bin/busybox';
/** OpenSSH's server, which the ssh deploy-key tests run on loopback with a config of their own. */
export const sshdPath = '/usr/sbin/sshd';

export interface Prerequisite {
  /** What a person calls it. */
  name: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** Where to get it elsewhere. */
  elsewhere: string;
  present(): Promise<boolean>;
}

export function testPrerequisites(toolsDir: string): Prerequisite[] {
  return [
    {
      name: 'Python 3 venv (to install the Temporal CLI)',
      debianPackage: 'python3-venv',
      elsewhere: 'Python 3 with its venv module',
      present: async () => (await findTemporalCli(toolsDir)) !== null || (await succeeds('python3', ['-m', 'venv', '--help'])),
    },
    {
      // The agent's tests run real containers.
      name: 'Docker',
      debianPackage: 'docker.io',
      elsewhere: 'Docker Engine, https://docs.docker.com/engine/install/',
      present: async () => (await onPath('docker')) !== null && (await onPath('dockerd')) !== null,
    },
    {
      // Pulls go through a local registry with htpasswd auth: no public registry is needed.
      name: 'a container registry (docker-registry)',
      debianPackage: 'docker-registry',
      elsewhere: 'the CNCF Distribution registry as `docker-registry` on PATH',
      present: async () => (await onPath('docker-registry')) !== null,
    },
    {
      // Builds fetch from a git server the tests run (`git http-backend`), and agents check out with git.
      name: 'git',
      debianPackage: 'git',
      elsewhere: 'git on PATH',
      present: async () => (await onPath('git')) !== null,
    },
    {
      // ssh deploy keys are tested against a real sshd on loopback (git-shell behind it); the
      // package brings the ssh client agents fetch with.
      name: 'an ssh server and client (sshd, ssh)',
      debianPackage: 'openssh-server',
      elsewhere: `OpenSSH's sshd at ${sshdPath} and ssh on PATH`,
      present: async () => existsSync(sshdPath) && (await onPath('ssh')) !== null,
    },
    {
      // The registry token signer's certificate is made with openssl (Node makes keys, not X.509 certificates).
      name: 'openssl',
      debianPackage: 'openssl',
      elsewhere: 'the openssl command on PATH',
      present: async () => (await onPath('openssl')) !== null,
    },
    {
      name: 'htpasswd',
      debianPackage: 'apache2-utils',
      elsewhere: "htpasswd from Apache's httpd tools",
      present: async () => (await onPath('htpasswd')) !== null,
    },
    {
      name: `a static busybox at ${busyboxPath}`,
      debianPackage: 'busybox-static',
      elsewhere: `a statically linked busybox at ${busyboxPath}`,
      present: () => isStaticExecutable(busyboxPath),
    },
    {
      name: `Chromium at ${chromiumPath}`,
      debianPackage: 'chromium',
      elsewhere: `Chromium at ${chromiumPath}`,
      present: async () => existsSync(chromiumPath),
    },
    // The agent's HTTPS proxy, and Let's Encrypt's test ACME server for the real certificate flow.
    { name: 'Caddy', debianPackage: 'caddy', elsewhere: 'caddy 2.6 or later on PATH', present: async () => (await onPath('caddy')) !== null },
    { name: 'curl', debianPackage: 'curl', elsewhere: 'curl on PATH', present: async () => (await onPath('curl')) !== null },
    { name: 'Pebble (ACME test server)', debianPackage: 'pebble', elsewhere: 'pebble on PATH', present: async () => (await onPath('pebble')) !== null },
    {
      // The scaling tests run the platform on a PostgreSQL server of its own (not the embedded
      // engine), and `syntra backup` / `restore` are tested with its pg_dump and pg_restore.
      name: 'the PostgreSQL server and its client programs',
      debianPackage: 'postgresql',
      elsewhere: 'PostgreSQL 15 or newer with initdb, pg_ctl, pg_dump and pg_restore under /usr/lib/postgresql/<major>/bin',
      present: async () => (await findPostgresTool('pg_ctl')) !== null && (await findPostgresTool('pg_restore')) !== null,
    },
    // The CLI's completion scripts are checked by the shells that run them.
    { name: 'zsh', debianPackage: 'zsh', elsewhere: 'zsh on PATH', present: async () => (await onPath('zsh')) !== null },
    { name: 'fish', debianPackage: 'fish', elsewhere: 'fish on PATH', present: async () => (await onPath('fish')) !== null },
  ];
}

export async function missingPrerequisites(prerequisites: Prerequisite[]): Promise<Prerequisite[]> {
  const present = await Promise.all(prerequisites.map((prerequisite) => prerequisite.present()));
  return prerequisites.filter((_, index) => !present[index]);
}

export interface Host {
  root: boolean;
  /** apt-get is there to install with. */
  debian: boolean;
}

export async function thisHost(): Promise<Host> {
  return { root: process.getuid?.() === 0, debian: existsSync('/etc/debian_version') && (await onPath('apt-get')) !== null };
}

/** What to do about `missing` on `host`: the packages to install, or what to tell the person. */
export function installPlan(missing: Prerequisite[], host: Host): { install: string[] } | { problem: string } {
  const packages = [...new Set(missing.map((prerequisite) => prerequisite.debianPackage))];
  if (host.debian && host.root) return { install: packages };
  const how = host.debian
    ? `Install them with:\n  sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`
    : `Install:\n${missing.map((prerequisite) => `  ${prerequisite.elsewhere}`).join('\n')}`;
  return { problem: `The tests need what this machine lacks: ${missing.map((prerequisite) => prerequisite.name).join(', ')}.\n${how}\nthen run \`npm test\` again.` };
}

export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
}

/** Installs what is missing where it can, saying so; throws PrerequisiteError where it cannot. */
export async function ensurePrerequisites(prerequisites: Prerequisite[], say: (line: string) => void): Promise<void> {
  const missing = await missingPrerequisites(prerequisites);
  if (missing.length === 0) return;
  const plan = installPlan(missing, await thisHost());
  if ('problem' in plan) throw new PrerequisiteError(plan.problem);
  say(`installing ${plan.install.join(', ')} (apt-get)…`);
  await aptGetInstall(plan.install);
  const stillMissing = await missingPrerequisites(missing);
  if (stillMissing.length > 0) {
    throw new PrerequisiteError(`apt-get installed ${plan.install.join(', ')}, yet ${stillMissing.map((p) => p.name).join(', ')} is still missing`);
  }
}

async function aptGetInstall(packages: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const outputMaxBytes = 64 * 1024 * 1024;
  try {
    await run('apt-get', ['update', '-qq'], { env, maxBuffer: outputMaxBytes });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env, maxBuffer: outputMaxBytes });
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new PrerequisiteError(`apt-get could not install ${packages.join(' ')}:\n${failed.stderr || failed.message}`);
  }
}

async function succeeds(command: string, args: string[]): Promise<boolean> {
  return run(command, args).then(
    () => true,
    () => false,
  );
}

/*
 * An ELF executable is dynamically linked exactly when it names an interpreter (a PT_INTERP
 * program header). Reading the headers answers without `file` or `ldd`, which may be absent.
 */
const elfMagic = 0x7f454c46;
const elfHeaderBytes = 64;
const programHeaderTypeInterpreter = 3;

export async function isStaticExecutable(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return false;
  try {
    const header = Buffer.alloc(elfHeaderBytes);
    await handle.read(header, 0, elfHeaderBytes, 0);
    if (header.readUInt32BE(0) !== elfMagic) return false;
    const is64Bit = header[4] === 2;
    const littleEndian = header[5] === 1;
    const u16 = (buffer: Buffer, at: number) => (littleEndian ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at));
    const u32 = (buffer: Buffer, at: number) => (littleEndian ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at));
    const tableOffset = is64Bit ? Number(littleEndian ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32)) : u32(header, 28);
    const entryBytes = u16(header, is64Bit ? 54 : 42);
    const entries = u16(header, is64Bit ? 56 : 44);
    const table = Buffer.alloc(entryBytes * entries);
    await handle.read(table, 0, table.length, tableOffset);
    for (let entry = 0; entry < entries; entry += 1) {
      if (u32(table, entry * entryBytes) === programHeaderTypeInterpreter) return false;
    }
    return true;
  } finally {
    await handle.close();
  }
}
