import path from 'node:path';
import { tmpdir } from 'node:os';
import type Docker from 'dockerode';
import type { BuildPayload, BuildPhase, BuildProgressPayload, BuildResultData, CancelBuildPayload } from '../../contracts/index.js';
import { AgentError, messageOf } from '../errors.js';
import { applyBuildLimits, type AppliedLimits, type BuildLimits } from './build-limits.js';
import { buildImage, dockerCli, pushImage } from './buildkit.js';
import { checkOut } from './checkout.js';
import { detectedDockerfile } from './detected-dockerfile.js';

/*
 * The server's builds: one at a time (a build takes every core it is given, and the services
 * beside it must keep theirs), under CPU and memory caps (build-limits.ts), each cancellable by
 * its deployment at any point, each with a hard timeout. Progress goes out batched: a phase
 * change or a quarter second, whichever is first.
 */

const flushIntervalMs = 250;
const maxLinesPerMessage = 500;
const tailLines = 100;

export interface BuilderOptions {
  docker: Docker;
  /** Where each service's checkout is kept between builds. */
  directory?: string;
  /** The docker CLI to build with (default: Debian's /usr/bin/docker when present). */
  dockerCli?: string;
  /** The caps of every build's steps; absent: builds are not capped. */
  limits?: BuildLimits;
}

export class Builder {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly running = new Map<string, AbortController>();
  private readonly directory: string;

  constructor(private readonly options: BuilderOptions) {
    this.directory = options.directory ?? path.join(tmpdir(), 'syntra-agent-builds');
  }

  /** Builds and pushes; `progress` gets the phase and log lines as they come. */
  build(payload: BuildPayload, progress: (update: BuildProgressPayload) => void): Promise<BuildResultData> {
    const controller = new AbortController();
    this.running.set(payload.deployment_id, controller);
    const timer = setTimeout(
      () => controller.abort(new AgentError('BUILD_TIMEOUT', `The build did not finish within ${payload.timeout_seconds} s`)),
      payload.timeout_seconds * 1000,
    );
    const turn = this.queue.then(() => this.run(payload, controller.signal, progress));
    this.queue = turn.catch(() => undefined);
    return turn.finally(() => {
      clearTimeout(timer);
      if (this.running.get(payload.deployment_id) === controller) this.running.delete(payload.deployment_id);
    });
  }

  /** Stops a deployment's build (waiting or running); false when none is known. */
  cancel(payload: CancelBuildPayload): { cancelled: boolean } {
    const controller = this.running.get(payload.deployment_id);
    controller?.abort(new AgentError('BUILD_CANCELLED', 'The build was cancelled'));
    return { cancelled: controller !== undefined };
  }

  /** Cancels every build: the agent is stopping. */
  close(): void {
    for (const controller of this.running.values()) controller.abort(new AgentError('BUILD_CANCELLED', 'The agent is stopping'));
  }

  private async run(payload: BuildPayload, signal: AbortSignal, progress: (update: BuildProgressPayload) => void): Promise<BuildResultData> {
    if (signal.aborted) throw signal.reason;
    const started = Date.now();
    const log = new ProgressLog(payload, progress);
    try {
      log.phase('fetching');
      if (payload.server_name) log.line(`Building on server ${payload.server_name}`);
      const checkout = await checkOut(this.directory, payload, { signal, onLine: log.line });
      log.commit({ sha: checkout.sha, message: checkout.message });
      log.line(`Fetched ${checkout.sha.slice(0, 12)} in ${Date.now() - started} ms`);
      log.phase('building');
      const detected = payload.dockerfile.detect ? await detectedDockerfile(path.join(checkout.directory, payload.dockerfile.context)) : undefined;
      const dockerfileText = detected?.dockerfile ?? payload.dockerfile.content;
      if (dockerfileText !== undefined) {
        // The log shows what was built, so a person can commit it as their own Dockerfile and change it.
        log.line(detected ? `${detected.explanation} The Dockerfile:` : "The service's own Dockerfile (kept with the service, not read from the repository):");
        for (const line of dockerfileText.trimEnd().split('\n')) log.line(`  ${line}`);
      }
      const cli = await dockerCli(this.options.dockerCli);
      const scratch = path.join(this.directory, payload.service_id, `build-${payload.deployment_id}`);
      const limits = await this.applyLimits(log.line);
      const buildStarted = Date.now();
      const counts = await buildImage(checkout.directory, payload, { cli, signal, onLine: log.line, scratch, ...(dockerfileText !== undefined && { dockerfileText }) }).catch(
        async (error: unknown) => {
          throw await this.explainedFailure(error, limits);
        },
      );
      // The BuildKit build alone, to the millisecond: what a plain `docker build` is compared with (bench/build-rebuild.ts).
      log.line(`Built in ${((Date.now() - buildStarted) / 1000).toFixed(3)} s: ${counts.cached} of ${counts.steps} steps cached`);
      log.phase('pushing');
      const digest = await pushImage(this.options.docker, payload, signal, log.line);
      log.line(`Pushed ${payload.image.registry}/${payload.image.repository}@${digest}`);
      return {
        image_digest: digest,
        commit_sha: checkout.sha,
        commit_message: checkout.message,
        duration_ms: Date.now() - started,
        steps: counts.steps,
        cached_steps: counts.cached,
        log_tail: log.tail(),
        ...(detected && { detected_stack: detected.stack }),
        dockerfile: detected ? 'detected' : payload.dockerfile.content !== undefined ? 'inline' : 'repository',
      };
    } catch (error) {
      if (error instanceof AgentError) log.line(`${error.code}: ${error.message.split('\n')[0]}`);
      throw error;
    } finally {
      log.flush();
      log.close();
    }
  }

  /** Caps that cannot be set leave the build running uncapped, and its log says why. */
  private async applyLimits(line: (text: string) => void): Promise<AppliedLimits | undefined> {
    const { limits } = this.options;
    if (!limits) return undefined;
    try {
      const applied = await applyBuildLimits(this.options.docker, limits);
      line(applied.description);
      return applied;
    } catch (error) {
      line(`Build limits not applied, the build runs uncapped: ${messageOf(error)}`);
      return undefined;
    }
  }

  /** A step killed (exit 137) while the memory cap was being hit ran out of the build's memory, and the error says so. */
  private async explainedFailure(error: unknown, limits: AppliedLimits | undefined): Promise<unknown> {
    if (!(error instanceof AgentError) || error.code !== 'BUILD_FAILED' || !limits) return error;
    if (!/exit code: 137/.test(error.message) || !(await limits.memoryCapReached())) return error;
    return new AgentError(
      'BUILD_OUT_OF_MEMORY',
      `A build step ran out of memory: the build's cap of ${this.options.limits!.memoryMb} MiB (SYNTRA_AGENT_BUILD_MEMORY_MB) was reached and the step was killed\n${error.message}`,
    );
  }
}

/** A build's log as numbered lines, sent in batches with its phase. */
class ProgressLog {
  private current: BuildPhase = 'fetching';
  private next = 0;
  private pending: BuildProgressPayload['lines'] = [];
  private commitInfo: BuildProgressPayload['commit'];
  private readonly recent: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly payload: BuildPayload,
    private readonly send: (update: BuildProgressPayload) => void,
  ) {}

  phase(phase: BuildPhase): void {
    this.flush();
    this.current = phase;
    this.flush(true);
  }

  commit(commit: NonNullable<BuildProgressPayload['commit']>): void {
    this.commitInfo = commit;
    this.flush(true);
  }

  readonly line = (text: string): void => {
    const clipped = text.length > 8192 ? `${text.slice(0, 8189)}...` : text;
    this.pending.push({ at: new Date().toISOString(), text: clipped });
    this.recent.push(clipped);
    if (this.recent.length > tailLines) this.recent.shift();
    if (this.pending.length >= maxLinesPerMessage) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), flushIntervalMs);
  };

  tail(): string {
    return this.recent.join('\n');
  }

  flush(evenEmpty = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 && !evenEmpty) return;
    const lines = this.pending;
    this.pending = [];
    this.send({
      deployment_id: this.payload.deployment_id,
      service_id: this.payload.service_id,
      phase: this.current,
      first_line: this.next,
      lines,
      ...(this.commitInfo ? { commit: this.commitInfo } : {}),
    });
    this.next += lines.length;
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
