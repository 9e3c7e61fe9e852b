import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hostGo, hostLinker, hostNode, hostPython, hostRust } from './host-toolchains.js';
import { RootFs, type ImageConfig } from './rootfs.js';

/*
 * The base images the detector's templates start FROM, made here from the host's own toolchains:
 * no public registry is reachable, and BuildKit on dockerd takes a FROM image from the local store
 * when it is there. Each is what a build step of the template needs from the real image (the
 * toolchain, a shell, the users it names), labelled as a test base with a fingerprint of how it
 * was made and of the host toolchain in it, so a run reuses what an earlier run made and remakes
 * it when either changes.
 */

const run = promisify(execFile);
const label = 'syntra.test-base';
const here = path.dirname(fileURLToPath(import.meta.url));
const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface BaseRecipe {
  /** The host toolchain it is made of (versions, locations): part of the fingerprint. */
  host: unknown;
  make: (root: RootFs) => Promise<Omit<ImageConfig, 'labels'>>;
}

const users = ['root:0:0:/root', 'nobody:65534:65534:/nonexistent'];

async function busyboxImage(): Promise<BaseRecipe> {
  return {
    host: null,
    make: async (root) => {
      await root.users(users);
      return { env: { PATH: defaultPath } };
    },
  };
}

async function nodeImage(image: string, major: string): Promise<BaseRecipe> {
  const node = await hostNode(image, major);
  return {
    host: node,
    make: async (root) => {
      await root.file(node.node, '/usr/local/bin/node');
      await root.tree(node.npmDirectory, '/usr/local/lib/node_modules/npm', ['./docs', './man']);
      await root.link('../lib/node_modules/npm/bin/npm-cli.js', '/usr/local/bin/npm');
      await root.link('../lib/node_modules/npm/bin/npx-cli.js', '/usr/local/bin/npx');
      await root.users([...users, 'node:1000:1000:/home/node']);
      return { env: { PATH: defaultPath, NODE_VERSION: node.version.slice(1) } };
    },
  };
}

async function pythonImage(image: string, minor: string): Promise<BaseRecipe> {
  const python = await hostPython(image, minor);
  const stdlib = `/usr/local/lib/python${minor}`;
  return {
    host: python,
    make: async (root) => {
      if (python.library) await root.file(python.library, `/usr/local/lib/${path.basename(python.library)}`);
      await root.file(python.executable, `/usr/local/bin/python${minor}`);
      for (const name of ['python3', 'python']) await root.link(`python${minor}`, `/usr/local/bin/${name}`);
      // The standard library without its tests, GUI and bundled wheels; of site-packages, pip alone (as in python:*-slim).
      await root.tree(python.stdlib, stdlib, ['./test', './idlelib', './tkinter', './turtledemo', './ensurepip', './site-packages', './config-*']);
      await root.librariesUnder(path.join(python.stdlib, 'lib-dynload'));
      await root.tree(python.pip, `${stdlib}/site-packages/pip`);
      const pipScript = `#!/usr/local/bin/python${minor}\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n`;
      for (const name of ['pip', 'pip3']) await root.write(`/usr/local/bin/${name}`, pipScript, 0o755);
      // The template makes its user with Debian's useradd.
      await root.file('/usr/sbin/useradd');
      for (const file of ['/etc/login.defs', '/etc/default/useradd']) await root.write(file, await readFile(file, 'utf8'));
      await root.mkdir('/etc/skel');
      await root.users(users);
      await root.linkerCache();
      return { env: { PATH: defaultPath, PYTHON_VERSION: python.version } };
    },
  };
}

async function golangImage(image: string, version: string): Promise<BaseRecipe> {
  const go = await hostGo(image, version);
  return {
    host: go,
    make: async (root) => {
      // What `go build` reads: the tools and the standard library's sources, not their tests or docs.
      await root.tree(go.root, '/usr/local/go', ['./test', './api', './doc', './misc', 'testdata', '*_test.go']);
      await root.mkdir('/go/bin');
      await root.users(users);
      return { env: { PATH: `/go/bin:/usr/local/go/bin:${defaultPath}`, GOPATH: '/go', GOTOOLCHAIN: 'local', GOLANG_VERSION: go.version.slice(2) } };
    },
  };
}

async function rustImage(image: string): Promise<BaseRecipe> {
  const rust = await hostRust(image);
  const linker = await hostLinker(image);
  return {
    host: { rust, linker },
    make: async (root) => {
      await root.tree(path.join(rust.sysroot, 'lib'), '/usr/local/lib', ['./rustlib/manifest-*', './rustlib/multirust-*', './rustlib/components']);
      for (const tool of ['cargo', 'rustc']) await root.file(path.join(rust.sysroot, 'bin', tool), `/usr/local/bin/${tool}`);
      // rustc links with its own lld (through `cc -fuse-ld=lld`); the target's other tools do not run even on the host.
      const tools = path.join(rust.sysroot, 'lib/rustlib/x86_64-unknown-linux-gnu/bin');
      for (const lld of ['rust-lld', 'gcc-ld/ld.lld']) await root.librariesOf(path.join(tools, lld));
      // rustc links through `cc`, as in the real image (gcc, libc6-dev and the libc6 its linker scripts name).
      for (const name of ['libc6', ...linker.packages]) await debianPackageFiles(root, name);
      await root.link(linker.cc, '/usr/bin/cc');
      await root.link(linker.ld, '/usr/bin/ld');
      await root.users(users);
      return { env: { PATH: defaultPath, CARGO_HOME: '/usr/local/cargo', RUST_VERSION: rust.version.split(' ')[1]! } };
    },
  };
}

/** Distroless's :nonroot images: its users, CA certificates and nothing to run but the app (and busybox, here). */
async function distroless(root: RootFs) {
  await root.users([...users, 'nonroot:65532:65532:/home/nonroot']);
  await root.file('/etc/ssl/certs/ca-certificates.crt');
  return { env: { PATH: defaultPath, SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt' }, user: '65532' };
}

async function distrolessStaticImage(): Promise<BaseRecipe> {
  return { host: null, make: distroless };
}

/** glibc and libgcc besides, what a Rust or C++ binary loads. */
async function distrolessCcImage(): Promise<BaseRecipe> {
  return {
    host: null,
    make: async (root) => {
      for (const name of ['libc6', 'libgcc-s1']) await debianPackageFiles(root, name);
      return distroless(root);
    },
  };
}

/** The images the templates name, by a pattern of their reference; the pattern's group is the version. */
const recipes: [RegExp, (image: string, version: string) => Promise<BaseRecipe>][] = [
  [/^busybox:stable$/, busyboxImage],
  [/^node:(\d+)-alpine$/, nodeImage],
  [/^python:(3\.\d+)-slim$/, pythonImage],
  [/^golang:(\d+\.\d+)-alpine$/, golangImage],
  [/^rust:1-slim$/, rustImage],
  [/^gcr\.io\/distroless\/static-debian12:nonroot$/, distrolessStaticImage],
  [/^gcr\.io\/distroless\/cc-debian12:nonroot$/, distrolessCcImage],
];

/** A host Debian package's files outside /usr/share and /usr/include, with the libraries its programs load. */
async function debianPackageFiles(root: RootFs, name: string): Promise<void> {
  const listed = (await run('dpkg-query', ['--listfiles', name])).stdout.split('\n');
  for (const file of listed) {
    if (!file.startsWith('/') || /^\/usr\/(share|include)\//.test(file) || /\/gconv\//.test(file)) continue;
    if ((await stat(file).catch(() => null))?.isFile()) await root.file(file);
  }
}

/** The external images a Dockerfile names (FROM and COPY --from), earlier stages left out. */
export function baseImagesOf(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line.trim());
    const copied = /^COPY\s+.*--from=(\S+)/i.exec(line.trim());
    const image = from?.[1] ?? copied?.[1];
    if (image && !stages.has(image) && !images.includes(image)) images.push(image);
    if (from?.[2]) stages.add(from[2]);
  }
  return images;
}

async function fingerprint(host: unknown): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['base-images.ts', 'rootfs.ts', 'host-toolchains.ts']) hash.update(await readFile(path.join(here, file)));
  return hash.update(JSON.stringify(host)).digest('hex').slice(0, 16);
}

/** Makes `image` from the host unless dockerd has it, made the same way from the same toolchain. */
export async function ensureBaseImage(image: string): Promise<void> {
  const found = recipes.map(([pattern, recipe]) => [pattern.exec(image), recipe] as const).find(([match]) => match);
  if (!found) throw new Error(`No test base image is made for ${image}: the template names an image this machine cannot make offline`);
  const [match, make] = found;
  const recipe = await make(image, match![1] ?? '');
  const wanted = await fingerprint(recipe.host);
  const present = await run('docker', ['image', 'inspect', '--format', `{{.Id}} {{index .Config.Labels "${label}"}}`, image]).catch(() => null);
  const [presentId, presentFingerprint] = present?.stdout.trim().split(' ') ?? [];
  if (presentFingerprint === wanted) return;
  const root = await RootFs.create();
  try {
    const config = await recipe.make(root);
    await root.importAs(image, { ...config, labels: { [label]: wanted } });
  } finally {
    await root.remove();
  }
  // The image made before (untagged now) would keep its hundreds of megabytes; one still in use stays.
  if (presentId) await run('docker', ['image', 'rm', presentId]).catch(() => undefined);
}

/** Every base image a Dockerfile needs. */
export async function ensureBaseImagesOf(dockerfile: string): Promise<void> {
  for (const image of baseImagesOf(dockerfile)) await ensureBaseImage(image);
}

/** The static-site template's base. */
export const ensureStaticSiteBase = () => ensureBaseImage('busybox:stable');
