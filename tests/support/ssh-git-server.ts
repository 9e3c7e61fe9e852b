import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sshdPath } from '../../cli/prerequisites.js';
import { freePort, waitForPort } from '../../engines/ports.js';

/*
 * A real ssh git server on loopback for the deploy-key tests: OpenSSH's sshd as a child of the
 * test, with its own config, host key and authorized keys (the machine's sshd config and users are
 * left alone), serving an existing bare repository. Every session is forced through git-shell, so
 * a key lets a client run git's upload/receive-pack and nothing else. It logs in as root: sshd
 * needs root for privilege separation anyway, and no user has to be created on the machine.
 */

const run = promisify(execFile);
const startTimeoutMs = 10_000;
/** Where sshd insists its privilege-separated child may chroot; Debian's service makes it at boot. */
const privsepDirectory = '/run/sshd';

export interface SshKeyPair {
  privateKey: string;
  /** One authorized_keys line. */
  publicKey: string;
}

export interface SshGitServer {
  /** ssh://root@127.0.0.1:<port><repository> */
  url: string;
  /** `[127.0.0.1]:<port>`: how ssh names the host in known_hosts. */
  knownHostsName: string;
  /** The host's public key as it is now (`ssh-ed25519 AAAA…`). */
  hostKey(): Promise<string>;
  /** Lets the key in (git-shell only). */
  authorize(publicKey: string): Promise<void>;
  /** Restarts on the same port with a new host key: a host that changed its key, or an impostor. */
  replaceHostKey(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh ed25519 key pair, without a passphrase. */
export async function newSshKey(comment: string): Promise<SshKeyPair> {
  const folder = await mkdtemp(path.join(tmpdir(), 'syntra-sshkey-'));
  try {
    const file = path.join(folder, 'key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
    return { privateKey: await readFile(file, 'utf8'), publicKey: (await readFile(`${file}.pub`, 'utf8')).trim() };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export async function startSshGitServer(repository: string): Promise<SshGitServer> {
  const folder = await mkdtemp(path.join(tmpdir(), 'syntra-sshd-'));
  const port = await freePort();
  const hostKey = path.join(folder, 'host_key');
  const authorizedKeys = path.join(folder, 'authorized_keys');
  const config = path.join(folder, 'sshd_config');
  await writeFile(authorizedKeys, '', { mode: 0o600 });
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      'PidFile none',
      `AuthorizedKeysFile ${authorizedKeys}`,
      // The test's files live under the world-writable temp folder, which StrictModes refuses.
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'AllowUsers root',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'AllowTcpForwarding no',
      'AllowAgentForwarding no',
      'X11Forwarding no',
      'PermitTTY no',
      'ForceCommand git-shell -c "$SSH_ORIGINAL_COMMAND"',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  await mkdir(privsepDirectory, { recursive: true, mode: 0o755 });

  let sshd: ChildProcess | null = null;
  let stderr = '';
  const start = async () => {
    await rm(hostKey, { force: true });
    await rm(`${hostKey}.pub`, { force: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    // -D: stay in the foreground as this test's child; -e: log to stderr.
    const child = spawn(sshdPath, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
    sshd = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`sshd exited (${code}): ${stderr.trim()}`))));
    await Promise.race([waitForPort(port, startTimeoutMs), exited]);
  };
  const stop = async () => {
    const child = sshd;
    sshd = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await gone;
  };
  await start();

  return {
    url: `ssh://root@127.0.0.1:${port}${repository}`,
    knownHostsName: `[127.0.0.1]:${port}`,
    async hostKey() {
      return (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    },
    async authorize(publicKey) {
      await appendFile(authorizedKeys, `${publicKey}\n`);
    },
    async replaceHostKey() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
