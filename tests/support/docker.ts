import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, copyFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { ensureDockerEngine } from '../../cli/docker-engine.js';
import { busyboxPath } from '../../cli/prerequisites.js';
import { dockerdLogFile } from '../../cli/setup.js';
import { freePort, waitForPort } from '../../engines/ports.js';

/*
 * Real Docker for the agent tests: dockerd (started if this process may), test images built
 * with `docker import` from Debian's static busybox (no registry on the internet is reachable),
 * and a local `docker-registry` with htpasswd auth so pulls exercise `registry_auth`.
 */

const run = promisify(execFile);

const REGISTRY_START_TIMEOUT_MS = 15_000;
const DOCKER_CLI_OUTPUT_MAX_BYTES = 16 * 1024 * 1024;
const APPLETS = ['sh', 'httpd', 'nc', 'sleep', 'echo', 'cat', 'wget', 'ls', 'date', 'env', 'kill', 'true', 'false', 'pwd', 'rm', 'mv'];

/** The local images the tests push to their registry, by role. */
export const TEST_IMAGES = {
  /** HTTP on 8080: `/` says hello, `/version` says v1, `/health` answers 200. */
  httpV1: { repository: 'syntra-agent-test/http', tag: 'v1', version: 'v1', healthy: true },
  httpV2: { repository: 'syntra-agent-test/http', tag: 'v2', version: 'v2', healthy: true },
  /** Same server, but `/health` does not exist, so an HTTP check on it gets 404. */
  unhealthy: { repository: 'syntra-agent-test/http', tag: 'unhealthy', version: 'unhealthy', healthy: false },
} as const;
export type TestImageName = keyof typeof TEST_IMAGES;

/*
 * The entry point prints a line on stdout and one on stderr (the logs tests read both), ticks
 * once a second when TICK is set (follow), and runs busybox httpd, which logs each response.
 * The shell stays PID 1 with a TERM trap: PID 1 ignores signals it has no handler for, and every
 * graceful stop would otherwise wait out its whole timeout.
 */
const START_SCRIPT = `#!/bin/sh
echo "starting version $(cat /www/version) as \${GREETING:-nobody}"
echo "stderr check" >&2
if [ -n "$TICK" ]; then (i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done) & fi
trap 'echo "stopping"; exit 0' TERM INT
httpd -f -v -p 8080 -h /www &
wait $!
`;

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: DOCKER_CLI_OUTPUT_MAX_BYTES });
  return stdout.trim();
}

/** Resolves once dockerd answers; starts it when it is installed and we are root, as `npm test` does. */
export async function ensureDockerd(): Promise<Docker> {
  await ensureDockerEngine({ logFile: dockerdLogFile, say: (line) => process.stdout.write(`${line}\n`) });
  return new Docker();
}

/* Images carry a hash of what built them, so a changed start script or applet list rebuilds them. */
const RECIPE_LABEL = 'syntra.test-image-recipe';

function recipeHash(name: TestImageName): string {
  return createHash('sha256').update(JSON.stringify([START_SCRIPT, APPLETS, TEST_IMAGES[name]])).digest('hex').slice(0, 16);
}

async function builtRecipe(reference: string): Promise<string | null> {
  return docker('image', 'inspect', '--format', `{{index .Config.Labels "${RECIPE_LABEL}"}}`, reference).catch(() => null);
}

async function buildImage(name: TestImageName): Promise<void> {
  const image = TEST_IMAGES[name];
  const reference = `${image.repository}:${image.tag}`;
  const recipe = recipeHash(name);
  if ((await builtRecipe(reference)) === recipe) return;
  const root = await mkdtemp(path.join(tmpdir(), 'syntra-image-'));
  try {
    await mkdir(path.join(root, 'bin'));
    await mkdir(path.join(root, 'www'));
    await mkdir(path.join(root, 'tmp'));
    await copyFile(busyboxPath, path.join(root, 'bin', 'busybox'));
    for (const applet of APPLETS) await symlink('busybox', path.join(root, 'bin', applet));
    await writeFile(path.join(root, 'start.sh'), START_SCRIPT, { mode: 0o755 });
    await writeFile(path.join(root, 'www', 'index.html'), `hello from ${image.version}\n`);
    await writeFile(path.join(root, 'www', 'version'), `${image.version}\n`);
    if (image.healthy) await writeFile(path.join(root, 'www', 'health'), 'ok\n');
    const tarball = path.join(path.dirname(root), `${path.basename(root)}.tar`);
    await run('tar', ['-C', root, '-cf', tarball, '.']);
    await docker(
      'import',
      '--change', 'CMD ["/bin/sh", "/start.sh"]',
      '--change', 'EXPOSE 8080',
      '--change', 'ENV PATH=/bin',
      '--change', `LABEL ${RECIPE_LABEL}=${recipe}`,
      tarball,
      reference,
    );
    await rm(tarball, { force: true });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Builds the test images once per machine (a later run finds them and skips the build). */
export async function buildTestImages(): Promise<void> {
  for (const name of Object.keys(TEST_IMAGES) as TestImageName[]) await buildImage(name);
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`, the `image.registry` of a deploy payload. */
  registry: string;
  username: string;
  password: string;
  /** Repository and tag of each test image inside the registry. */
  images: Record<TestImageName, { repository: string; tag: string; digest: string }>;
  cleanup: () => Promise<void>;
}

/**
 * A `docker-registry` on a free 127.0.0.1 port with htpasswd (bcrypt) auth, holding every test
 * image. Docker treats 127.0.0.0/8 registries as insecure (plain HTTP) by default.
 */
export async function startTestRegistry(): Promise<TestRegistry> {
  await ensureDockerd();
  await buildTestImages();
  const username = 'syntra';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'syntra-registry-'));
  const port = await freePort();
  const registry = `127.0.0.1:${port}`;
  const { stdout: htpasswd } = await run('htpasswd', ['-Bbn', username, password]);
  await writeFile(path.join(dir, 'htpasswd'), htpasswd);
  await writeFile(
    path.join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${path.join(dir, 'data')} } }`,
      `http: { addr: "${registry}" }`,
      `auth: { htpasswd: { realm: syntra-test, path: ${path.join(dir, 'htpasswd')} } }`,
      '',
    ].join('\n'),
  );
  const server: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const pushed: string[] = [];
  const cleanup = async () => {
    server.kill('SIGTERM');
    for (const reference of pushed) await docker('rmi', reference).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, REGISTRY_START_TIMEOUT_MS);
    // A private client config: logging in must not touch the machine's ~/.docker.
    const env = { ...process.env, DOCKER_CONFIG: path.join(dir, 'client') };
    await new Promise<void>((resolve, reject) => {
      const login = spawn('docker', ['login', registry, '-u', username, '--password-stdin'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      login.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      login.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker login failed: ${stderr}`))));
      login.stdin.end(password);
    });
    const images = {} as TestRegistry['images'];
    for (const [name, image] of Object.entries(TEST_IMAGES) as [TestImageName, (typeof TEST_IMAGES)[TestImageName]][]) {
      const repository = `syntra/${image.repository.split('/')[1]}`;
      const target = `${registry}/${repository}:${image.tag}`;
      await docker('tag', `${image.repository}:${image.tag}`, target);
      pushed.push(target);
      const { stdout } = await run('docker', ['push', target], { env });
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
      if (!digest) throw new Error(`docker push ${target} printed no digest:\n${stdout}`);
      images[name] = { repository, tag: image.tag, digest };
    }
    return { registry, username, password, images, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Removes every container, network and named volume the agent created for these services / this project. */
export async function removeManaged(client: Docker, options: { serviceIds: string[]; projectName?: string }): Promise<void> {
  for (const serviceId of options.serviceIds) {
    const containers = await client.listContainers({ all: true, filters: { label: ['syntra.managed=true', `syntra.service_id=${serviceId}`] } });
    await Promise.all(containers.map((container) => client.getContainer(container.Id).remove({ force: true }).catch(() => undefined)));
  }
  if (options.projectName !== undefined) {
    const networks = await client.listNetworks({ filters: { label: ['syntra.managed=true', `syntra.project=${options.projectName}`] } });
    await Promise.all(networks.map((network) => client.getNetwork(network.Id).remove().catch(() => undefined)));
    // Named volumes are created by Docker on first mount and carry no labels, only the project prefix.
    const { Volumes: volumes } = await client.listVolumes({ filters: { name: [`syntra-${options.projectName}-`] } });
    await Promise.all((volumes ?? []).map((volume) => client.getVolume(volume.Name).remove().catch(() => undefined)));
  }
}
