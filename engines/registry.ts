import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitForPort } from './ports.js';

/*
 * The platform's own image registry: Debian's `docker-registry` (distribution 2.8) on loopback,
 * its data under the data folder, with the Docker token protocol's auth: every pull and push
 * needs a JWT from the control plane's token server (`/registry/token`), signed by the key whose
 * certificate is `certificateFile`. Docker treats 127.0.0.0/8 registries as plain-HTTP ones, so
 * agents on this machine need no TLS; `REGISTRY_URL` names an external registry instead.
 */

const startTimeoutMs = 15_000;

export interface RegistryOptions {
  /** Its storage and config go in `<directory>/data` and `<directory>/config.yml`. */
  directory: string;
  port: number;
  /** The token server's URL, e.g. http://127.0.0.1:3000/registry/token. */
  realm: string;
  service: string;
  issuer: string;
  certificateFile: string;
}

export interface RunningRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  address: string;
  /** Its config file, as docker-registry's own commands (garbage-collect) take it. */
  configFile: string;
  /** Where its blobs and manifests are stored. */
  storageDirectory: string;
  /**
   * Stops it and starts it again on the same port; read-only, it answers pulls and refuses every
   * push (the registry's storage maintenance mode), which its garbage collector needs.
   */
  restart(mode: { readOnly: boolean }): Promise<void>;
  stop(): Promise<void>;
}

function registryConfig(options: RegistryOptions, mode: { readOnly: boolean } = { readOnly: false }): string {
  const storage = [
    `filesystem: { rootdirectory: ${JSON.stringify(storageDirectoryOf(options))} }`,
    // Deletion on: the retention of built images removes old tags' manifests.
    'delete: { enabled: true }',
    ...(mode.readOnly ? ['maintenance: { readonly: { enabled: true } }'] : []),
  ];
  return [
    'version: 0.1',
    'log: { level: warn, accesslog: { disabled: true } }',
    `storage: { ${storage.join(', ')} }`,
    `http: { addr: "127.0.0.1:${options.port}" }`,
    `auth: { token: { realm: ${JSON.stringify(options.realm)}, service: ${JSON.stringify(options.service)}, issuer: ${JSON.stringify(options.issuer)}, rootcertbundle: ${JSON.stringify(options.certificateFile)} } }`,
    '',
  ].join('\n');
}

const storageDirectoryOf = (options: RegistryOptions) => path.join(options.directory, 'data');

/** The registry process, started and waited for until its port answers. */
async function launch(configFile: string, port: number): Promise<{ stop(): Promise<void> }> {
  const child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await Promise.race([
      waitForPort(port, startTimeoutMs),
      exited.then(() => Promise.reject(new Error(`docker-registry exited at start: ${stderr.trim()}`))),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const storageDirectory = storageDirectoryOf(options);
  await mkdir(storageDirectory, { recursive: true, mode: 0o700 });
  const configFile = path.join(options.directory, 'config.yml');
  await writeFile(configFile, registryConfig(options));
  let running = await launch(configFile, options.port);
  return {
    address: `127.0.0.1:${options.port}`,
    configFile,
    storageDirectory,
    async restart(mode) {
      await running.stop();
      await writeFile(configFile, registryConfig(options, mode));
      running = await launch(configFile, options.port);
    },
    stop: () => running.stop(),
  };
}
