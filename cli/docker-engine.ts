import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { connectDocker } from '../agent/runtime/docker.js';
import { onPath } from '../engines/python-tools.js';
import { PrerequisiteError } from './prerequisites.js';

/*
 * The Docker Engine the agent drives: `syntra dev` offers this machine as a server when it
 * answers, and the test suite starts it when it may (root, dockerd installed).
 */

const engineAnswerTimeoutMs = 3_000;
const dockerdStartTimeoutMs = 60_000;
const dockerdPollIntervalMs = 250;
const localSocket = '/var/run/docker.sock';

/** Where the agent's Docker client connects: DOCKER_HOST, or the local socket. */
export function dockerEngineAddress(): string {
  return process.env.DOCKER_HOST ?? localSocket;
}


/** The engine's version when it answers within a few seconds; null otherwise. */
export async function dockerEngineVersion(): Promise<string | null> {
  const silence = new Promise<null>((resolve) => setTimeout(resolve, engineAnswerTimeoutMs, null).unref());
  const answer = connectDocker()
    .version()
    .then((version) => version.Version, () => null);
  return Promise.race([answer, silence]);
}

/**
 * Resolves once the engine answers. When it does not and this process may start it (root,
 * dockerd on PATH), dockerd is started detached, so it outlives this process as a service would,
 * with its log in `logFile`; otherwise throws with the command that starts it.
 */
export async function ensureDockerEngine(options: { logFile: string; say: (line: string) => void }): Promise<string> {
  const running = await dockerEngineVersion();
  if (running) return running;
  if (!process.env.DOCKER_HOST && existsSync(localSocket) && !mayWrite(localSocket)) {
    throw new PrerequisiteError(
      `The Docker Engine at ${localSocket} is not open to this user. Add yourself to the docker group (\`sudo usermod -aG docker $USER\`, then log in again) or run as root.`,
    );
  }
  const dockerd = await onPath('dockerd');
  if (process.getuid?.() !== 0 || !dockerd || process.env.DOCKER_HOST) {
    throw new PrerequisiteError(
      `The Docker Engine does not answer at ${dockerEngineAddress()}. Start it (as root: \`sudo systemctl start docker\`, or \`sudo dockerd &\`) and try again.`,
    );
  }
  options.say(`starting dockerd (log: ${path.relative(process.cwd(), options.logFile)})…`);
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  try {
    spawn(dockerd, [], { detached: true, stdio: ['ignore', log, log] }).unref();
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + dockerdStartTimeoutMs;
  for (;;) {
    const version = await dockerEngineVersion();
    if (version) return version;
    if (Date.now() > deadline) throw new PrerequisiteError(`dockerd did not answer within ${dockerdStartTimeoutMs / 1000} s; see ${options.logFile}`);
    await new Promise((resolve) => setTimeout(resolve, dockerdPollIntervalMs));
  }
}

function mayWrite(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
