import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/*
 * The host's toolchains the test base images are made of, each found where the machine image puts
 * it and checked against the version the image's tag names. A toolchain missing or of another
 * version is an error that says so: the sample apps' test fails rather than build less.
 */

const run = promisify(execFile);

class MissingToolchain extends Error {
  constructor(image: string, what: string) {
    super(`Cannot make the test base image ${image}: it is made from the host's ${what} (the CI machine image has the toolchains the sample apps need)`);
  }
}

/** The first of `candidates` that exists, or the command as the PATH resolves it (links kept: rustup dispatches on them). */
async function locate(command: string, candidates: string[]): Promise<string | null> {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  const found = await run('sh', ['-c', 'command -v "$1"', 'locate', command]).catch(() => null);
  return found ? found.stdout.trim() : null;
}

async function output(file: string, args: string[]): Promise<string> {
  return (await run(file, args)).stdout.trim();
}

export interface HostNode {
  node: string;
  npmDirectory: string;
  version: string;
}

export async function hostNode(image: string, major: string): Promise<HostNode> {
  const node = await locate('node', []);
  if (!node) throw new MissingToolchain(image, `Node ${major} (node on the PATH)`);
  const version = await output(node, ['--version']);
  if (!version.startsWith(`v${major}.`)) throw new MissingToolchain(image, `Node ${major}, and ${node} is ${version}`);
  const npm = await locate('npm', []);
  if (!npm) throw new MissingToolchain(image, 'npm beside Node');
  // npm's bin/npm-cli.js, inside the npm package.
  return { node, npmDirectory: path.dirname(path.dirname(await realpath(npm))), version };
}

export interface HostPython {
  executable: string;
  library: string | null;
  stdlib: string;
  pip: string;
  version: string;
}

/** Python 3.x: on the PATH, else in pyenv's versions (where the shim will not run an unselected version). */
export async function hostPython(image: string, minor: string): Promise<HostPython> {
  const command = `python${minor}`;
  const pyenvRoot = process.env.PYENV_ROOT ?? path.join(homedir(), '.pyenv');
  const versions = await readdir(path.join(pyenvRoot, 'versions')).catch(() => [] as string[]);
  const pyenvBuilds = versions.filter((version) => version.startsWith(`${minor}.`)).map((version) => path.join(pyenvRoot, 'versions', version, 'bin', command));
  const executable = await locate(command, [`/usr/local/bin/${command}`, `/usr/bin/${command}`, ...pyenvBuilds]);
  if (!executable) throw new MissingToolchain(image, `Python ${minor} (${command})`);
  const probe = 'import json, sys, sysconfig, pathlib, pip; v = sysconfig.get_config_var; print(json.dumps({"version": sys.version.split()[0], "stdlib": sysconfig.get_paths()["stdlib"], "library": str(pathlib.Path(v("LIBDIR"), v("INSTSONAME"))) if v("Py_ENABLE_SHARED") else None, "pip": pip.__path__[0]}))';
  const answer = await run(executable, ['-c', probe]).catch((error: Error) => {
    throw new MissingToolchain(image, `Python ${minor} with pip (${executable}: ${error.message.split('\n').at(-2) ?? error.message})`);
  });
  const found = JSON.parse(answer.stdout) as Omit<HostPython, 'executable'>;
  return { executable, ...found };
}

export interface HostGo {
  root: string;
  version: string;
}

export async function hostGo(image: string, version: string): Promise<HostGo> {
  const go = await locate('go', ['/usr/local/go/bin/go']);
  if (!go) throw new MissingToolchain(image, `Go ${version} (/usr/local/go)`);
  const [root, goVersion] = (await output(go, ['env', 'GOROOT', 'GOVERSION'])).split('\n') as [string, string];
  if (goVersion !== `go${version}` && !goVersion.startsWith(`go${version}.`)) throw new MissingToolchain(image, `Go ${version}, and ${go} is ${goVersion}`);
  return { root, version: goVersion };
}

export interface HostRust {
  sysroot: string;
  version: string;
}

export async function hostRust(image: string): Promise<HostRust> {
  const rustc = await locate('rustc', [path.join(process.env.CARGO_HOME ?? path.join(homedir(), '.cargo'), 'bin', 'rustc')]);
  if (!rustc) throw new MissingToolchain(image, 'Rust toolchain (rustc, cargo in ~/.cargo/bin)');
  // rustup's rustc is a proxy: the toolchain it runs is the sysroot.
  const sysroot = await output(rustc, ['--print', 'sysroot']);
  if (!existsSync(path.join(sysroot, 'bin', 'cargo'))) throw new MissingToolchain(image, `cargo in the Rust toolchain ${sysroot}`);
  return { sysroot, version: await output(path.join(sysroot, 'bin', 'rustc'), ['--version']) };
}

/** The Debian packages of the host's C linker: gcc's driver, binutils' ld, the C library's start files. */
export async function hostLinker(image: string): Promise<{ cc: string; ld: string; packages: string[] }> {
  const cc = await locate('cc', []);
  const ld = await locate('ld', []);
  if (!cc || !ld) throw new MissingToolchain(image, 'C linker (gcc and binutils: Debian packages gcc, binutils)');
  const startFile = await output(cc, ['-print-file-name=Scrt1.o']);
  const libgcc = await output(cc, ['-print-libgcc-file-name']);
  const owners = await output('dpkg-query', ['--search', await realpath(cc), await realpath(ld), await realpath(startFile), await realpath(libgcc)]);
  return { cc: await realpath(cc), ld: await realpath(ld), packages: [...new Set(owners.split('\n').map((line) => line.split(': ')[0]!))] };
}

/** The versions the sample apps declare (package.json engines, go.mod): the host's own, so the images their templates name can be made. */
export async function hostDeclaredVersions(): Promise<{ nodeMajor: string; goVersion: string }> {
  const node = await locate('node', []);
  const go = await locate('go', ['/usr/local/go/bin/go']);
  if (!node || !go) throw new Error('The sample apps are built with the host\'s Node and Go (node on the PATH, /usr/local/go): install them on this machine (the CI image has them)');
  const nodeMajor = /^v(\d+)\./.exec(await output(node, ['--version']))![1]!;
  const goVersion = /^go(\d+\.\d+)/.exec(await output(go, ['env', 'GOVERSION']))![1]!;
  return { nodeMajor, goVersion };
}
