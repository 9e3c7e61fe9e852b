import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, open, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { busyboxPath } from '../../cli/prerequisites.js';

/*
 * A root file system made of the host's own programs, for the base images no registry can give
 * here: a program comes with the shared libraries `ldd` says it loads, a tree (a standard library,
 * a toolchain) is copied whole but for what a build never reads. It is laid out as Debian lays its
 * own (/bin, /lib, /sbin are links into /usr) with a static busybox as the shell and the core
 * utilities every RUN line takes for granted, and is imported into dockerd as an image.
 */

const run = promisify(execFile);
const elfMagic = 0x7f454c46;

export interface ImageConfig {
  env: Record<string, string>;
  user?: string;
  labels: Record<string, string>;
}

export class RootFs {
  /** Host paths already placed in the image (files and tree roots), so `ldd` does not copy them twice. */
  private readonly placed: { from: string; to: string }[] = [];

  private constructor(readonly directory: string) {}

  /** An empty Debian-shaped root with busybox and its applets in /usr/bin. */
  static async create(): Promise<RootFs> {
    const root = new RootFs(await mkdtemp(path.join(tmpdir(), 'syntra-rootfs-')));
    for (const dir of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'usr/local/bin', 'usr/local/lib', 'etc', 'root', 'home']) await root.mkdir(`/${dir}`);
    for (const dir of ['bin', 'sbin', 'lib', 'lib64']) await symlink(`usr/${dir}`, root.at(`/${dir}`));
    await root.mkdir('/tmp');
    await chmod(root.at('/tmp'), 0o1777);
    await copyFile(busyboxPath, root.at('/usr/bin/busybox'));
    await chmod(root.at('/usr/bin/busybox'), 0o755);
    const applets = (await run(busyboxPath, ['--list'])).stdout.split('\n').filter((name) => name && name !== 'busybox');
    for (const applet of applets) await symlink('busybox', root.at(`/usr/bin/${applet}`));
    return root;
  }

  at(inImage: string): string {
    return path.join(this.directory, inImage);
  }

  async mkdir(inImage: string): Promise<void> {
    await mkdir(this.at(inImage), { recursive: true });
  }

  async write(inImage: string, text: string, mode = 0o644): Promise<void> {
    await this.mkdir(path.dirname(inImage));
    await rm(this.at(inImage), { force: true });
    await writeFile(this.at(inImage), text, { mode });
  }

  /** A symbolic link at `inImage` to `target`, replacing what is there (a busybox applet). */
  async link(target: string, inImage: string): Promise<void> {
    await this.mkdir(path.dirname(inImage));
    await rm(this.at(inImage), { force: true });
    await symlink(target, this.at(inImage));
  }

  /** A host directory's contents at `inImage`, without the tar `--exclude` patterns given. */
  async tree(from: string, inImage: string, exclude: string[] = []): Promise<void> {
    await this.mkdir(inImage);
    await run('bash', ['-o', 'pipefail', '-c', 'tar -C "$1" "${@:3}" -cf - . | tar -C "$2" -xf -', 'copy-tree', from, this.at(inImage), ...exclude.map((pattern) => `--exclude=${pattern}`)], {
      maxBuffer: 16 * 1024 * 1024,
    });
    this.placed.push({ from: await realpath(from), to: inImage });
  }

  /** A host file at `inImage` (the host path by default), followed through links, with its libraries. */
  async file(from: string, inImage = from): Promise<void> {
    const real = await realpath(from);
    await this.mkdir(path.dirname(inImage));
    await rm(this.at(inImage), { force: true });
    await copyFile(real, this.at(inImage));
    this.placed.push({ from: real, to: inImage });
    await this.librariesOf(real);
  }

  /** Copies the shared libraries an ELF file loads (as `ldd` resolves them on the host), at the paths it names. */
  async librariesOf(file: string): Promise<void> {
    if (!(await isElf(file))) return;
    const listed = await run('ldd', [file]).then(
      (answer) => answer.stdout,
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    const missing = /^\s*(\S+) => not found$/m.exec(listed);
    if (missing) throw new Error(`${file} needs ${missing[1]}, which the host does not have: it cannot go into a test base image`);
    for (const match of listed.matchAll(/(\/\S+) \(0x[0-9a-f]+\)$/gm)) {
      const library = match[1]!;
      const real = await realpath(library);
      if (this.placed.some(({ from }) => real === from || real.startsWith(`${from}/`))) continue;
      await this.mkdir(path.dirname(library));
      await copyFile(real, this.at(library));
      this.placed.push({ from: real, to: library });
    }
  }

  /** The libraries of every ELF file in a host directory copied as a tree (native modules, tools). */
  async librariesUnder(directory: string): Promise<void> {
    for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) await this.librariesOf(path.join(entry.parentPath, entry.name));
    }
  }

  /** Users and groups as `name:uid:gid:home`; their home directories are made and owned by them. */
  async users(accounts: string[]): Promise<void> {
    const parsed = accounts.map((line) => {
      const [name, uid, gid, home] = line.split(':') as [string, string, string, string];
      return { name, uid: Number(uid), gid: Number(gid), home };
    });
    const shell = (uid: number) => (uid === 0 ? '/bin/sh' : '/usr/sbin/nologin');
    await this.write('/etc/passwd', parsed.map((user) => `${user.name}:x:${user.uid}:${user.gid}:${user.name}:${user.home}:${shell(user.uid)}\n`).join(''));
    await this.write('/etc/group', parsed.map((user) => `${user.name}:x:${user.gid}:\n`).join(''));
    await this.write('/etc/shadow', parsed.map((user) => `${user.name}:*:19000:0:99999:7:::\n`).join(''), 0o640);
    await this.write('/etc/gshadow', parsed.map((user) => `${user.name}:*::\n`).join(''), 0o640);
    for (const user of parsed) {
      if (user.home === '/nonexistent' || user.home === '/root') continue;
      await this.mkdir(user.home);
      await run('chown', [`${user.uid}:${user.gid}`, this.at(user.home)]);
    }
  }

  /** Writes the dynamic linker's cache, so libraries in /usr/local/lib are found as on the host. */
  async linkerCache(): Promise<void> {
    await this.write('/etc/ld.so.conf', '/usr/local/lib\n');
    await run('ldconfig', ['-r', this.directory]);
  }

  /** Imports the file system into dockerd as `tag`. */
  async importAs(tag: string, config: ImageConfig): Promise<void> {
    const changes = [
      ...Object.entries(config.env).map(([name, value]) => `ENV ${name}=${value}`),
      ...(config.user ? [`USER ${config.user}`] : []),
      ...Object.entries(config.labels).map(([name, value]) => `LABEL ${name}=${value}`),
    ].flatMap((change) => ['--change', change]);
    await run('bash', ['-o', 'pipefail', '-c', 'tar -C "$1" -cf - . | docker import "${@:3}" - "$2"', 'import', this.directory, tag, ...changes]);
  }

  async remove(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }
}

async function isElf(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return false;
  try {
    const header = Buffer.alloc(4);
    const { bytesRead } = await handle.read(header, 0, 4, 0);
    return bytesRead === 4 && header.readUInt32BE(0) === elfMagic;
  } finally {
    await handle.close();
  }
}
