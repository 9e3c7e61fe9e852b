import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { busyboxPath } from '../../cli/prerequisites.js';

/*
 * The base image the detector's static-site template names (`busybox:stable`), made here from
 * Debian's static busybox: no public registry is reachable, and BuildKit on dockerd takes a FROM
 * image from the local store when it is there. It has the `nobody` user the template runs as.
 */

const run = promisify(execFile);
export const staticSiteBase = 'busybox:stable';
const applets = ['sh', 'httpd', 'cat', 'ls', 'echo'];

export async function ensureStaticSiteBase(): Promise<void> {
  const present = await run('docker', ['image', 'inspect', '--format', '{{index .Config.Labels "syntra.test-base"}}', staticSiteBase]).catch(() => null);
  if (present?.stdout.trim() === 'detector') return;
  const root = await mkdtemp(path.join(tmpdir(), 'syntra-base-'));
  try {
    await mkdir(path.join(root, 'bin'));
    await mkdir(path.join(root, 'etc'));
    await mkdir(path.join(root, 'tmp'));
    await copyFile(busyboxPath, path.join(root, 'bin', 'busybox'));
    for (const applet of applets) await symlink('busybox', path.join(root, 'bin', applet));
    await writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    await writeFile(path.join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tarball = `${root}.tar`;
    await run('tar', ['-C', root, '-cf', tarball, '.']);
    await run('docker', ['import', '--change', 'ENV PATH=/bin', '--change', 'LABEL syntra.test-base=detector', tarball, staticSiteBase]);
    await rm(tarball, { force: true });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
