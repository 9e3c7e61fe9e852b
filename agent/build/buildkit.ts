import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { BuildPayload } from '../../contracts/index.js';
import { AgentError, messageOf } from '../errors.js';
import { imageReference } from '../runtime/service-spec.js';
import { sleep } from '../timing.js';
import { runProcess } from './process.js';

/*
 * BuildKit through the docker CLI: dockerode's buildImage drives only the legacy builder, and
 * BuildKit's own gRPC session (context upload, secrets) is what the CLI implements. Debian's
 * docker.io 20.10 CLI has BuildKit built in (DOCKER_BUILDKIT=1); newer CLIs need the buildx
 * plugin, so `/usr/bin/docker` is preferred when it exists. The image lands in dockerd's store
 * and its layer cache stays there between builds; the push goes through the Engine API with the
 * push credential in memory, so no credential is written to a docker config on disk.
 */

const debianDockerCli = '/usr/bin/docker';

export async function dockerCli(configured?: string): Promise<string> {
  if (configured) return configured;
  return access(debianDockerCli).then(
    () => debianDockerCli,
    () => 'docker',
  );
}

/** Counts of BuildKit's steps (`#N [i/n] …`) and of those it found cached (`#N CACHED`). */
export class StepCounter {
  private readonly steps = new Set<string>();
  private readonly cached = new Set<string>();

  see(line: string): void {
    const step = /^#(\d+) \[(?:[^\]]+ )?\d+\/\d+\]/.exec(line);
    if (step) this.steps.add(step[1]!);
    const cached = /^#(\d+) CACHED$/.exec(line);
    if (cached) this.cached.add(cached[1]!);
  }

  get counts(): { steps: number; cached: number } {
    return { steps: this.steps.size, cached: [...this.cached].filter((id) => this.steps.has(id)).length };
  }
}

export interface BuildRun {
  cli: string;
  signal: AbortSignal;
  onLine: (line: string) => void;
  scratch: string;
  /** A Dockerfile's text built instead of the payload's path: the detector's (nixpacks source) or the service's inline one. */
  dockerfileText?: string;
}

/** Builds the checkout with BuildKit, tagged as the payload's image. Throws BUILD_FAILED with the last lines. */
export async function buildImage(checkout: string, payload: BuildPayload, run: BuildRun): Promise<{ steps: number; cached: number }> {
  const { dockerfile } = payload;
  await mkdir(run.scratch, { recursive: true, mode: 0o700 });
  // Outside the checkout and the context: the repository stays as committed, its next fetch finds
  // nothing changed, and the text is never sent to BuildKit as part of the context.
  const dockerfilePath = run.dockerfileText === undefined ? path.join(checkout, dockerfile.path) : path.join(run.scratch, 'Dockerfile');
  if (run.dockerfileText !== undefined) await writeFile(dockerfilePath, run.dockerfileText);
  const args = ['build', '--progress=plain', '--file', dockerfilePath, '--tag', imageReference(payload.image)];
  if (dockerfile.target) args.push('--target', dockerfile.target);
  for (const [name, value] of Object.entries(payload.build_args)) args.push('--build-arg', `${name}=${value}`);
  for (const [name, value] of Object.entries(payload.build_secrets)) {
    const file = path.join(run.scratch, `secret-${name}`);
    await writeFile(file, value, { mode: 0o600 });
    args.push('--secret', `id=${name},src=${file}`);
  }
  args.push(path.join(checkout, dockerfile.context));
  const counter = new StepCounter();
  const tail: string[] = [];
  try {
    const code = await runProcess(run.cli, args, {
      // A private, empty client config: the build needs no credential of the machine's user.
      env: { ...process.env, DOCKER_BUILDKIT: '1', DOCKER_CONFIG: path.join(run.scratch, 'docker-config') },
      signal: run.signal,
      onLine: (line) => {
        counter.see(line);
        tail.push(line);
        if (tail.length > 12) tail.shift();
        run.onLine(line);
      },
    });
    if (code !== 0) throw new AgentError('BUILD_FAILED', `The build failed (exit ${code}):\n${tail.join('\n')}`);
  } finally {
    await rm(run.scratch, { recursive: true, force: true });
  }
  return counter.counts;
}

interface PushEvent {
  status?: string;
  error?: string;
  aux?: { Digest?: string };
}

/*
 * A registry that is restarting, or read-only while its garbage is collected (`syntra dev` does
 * both for a few seconds), refuses a push it will take moments later: such a push is tried again,
 * for up to a minute, instead of failing a build that succeeded. A refused credential, a missing
 * repository or a full disk fail at once.
 */
const PUSH_RETRY_WINDOW_MS = 60_000;
const PUSH_RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000];
// A read-only Distribution answers an upload 405 (dockerd: "error parsing HTTP 405 response body …
// Method not allowed"); one restarting refuses the connection.
const TRANSIENT_PUSH_ERROR = /connection refused|connection reset|broken pipe|\bEOF\b|method not allowed|unsupported|service unavailable|bad gateway|gateway time-?out|\b405\b|\b50[234]\b/i;

/** Pushes the built image with the push credential; returns the digest the registry gave it. */
export async function pushImage(docker: Docker, payload: BuildPayload, signal: AbortSignal, onLine: (line: string) => void): Promise<string> {
  const reference = imageReference(payload.image);
  const deadline = Date.now() + PUSH_RETRY_WINDOW_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await pushOnce(docker, payload, reference, signal, onLine);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const reason = messageOf(error);
      const delayMs = PUSH_RETRY_DELAYS_MS[Math.min(attempt, PUSH_RETRY_DELAYS_MS.length - 1)]!;
      if (!TRANSIENT_PUSH_ERROR.test(reason) || Date.now() + delayMs > deadline) {
        throw new AgentError('PUSH_FAILED', `Pushing ${reference} failed: ${reason}`);
      }
      onLine(`The registry refused the push for now (${reason}); trying again in ${delayMs / 1000} s`);
      await sleep(delayMs, signal);
    }
  }
}

async function pushOnce(docker: Docker, payload: BuildPayload, reference: string, signal: AbortSignal, onLine: (line: string) => void): Promise<string> {
  const authconfig = { ...payload.registry_auth, serveraddress: payload.image.registry };
  const stream = await docker.getImage(reference).push({ authconfig, abortSignal: signal });
  const events = await new Promise<PushEvent[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: PushEvent[]) => (error ? reject(error) : resolve(output)), (event: PushEvent) => {
      if (event.status && !event.status.startsWith('Pushing')) onLine(event.status);
    });
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  const failure = events.find((event) => event.error !== undefined);
  if (failure) throw new Error(failure.error);
  const digest = events.map((event) => event.aux?.Digest).find((value) => value !== undefined);
  if (!digest) throw new Error('the registry reported no digest');
  return digest;
}
