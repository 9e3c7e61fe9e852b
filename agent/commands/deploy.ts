import type { DeployPayload, HealthCheckConfig } from '../../contracts/index.js';
import type { AgentContext } from '../context.js';
import { AgentError, messageOf, toCommandError } from '../errors.js';
import { recentLogLines, removeContainer, startReplica, type Replica } from '../runtime/containers.js';
import { pullImage } from '../runtime/images.js';
import { ensureProjectNetwork } from '../runtime/network.js';
import type { ServiceState } from '../runtime/service-registry.js';
import { needsEndpoint, specFromDeploy, imageReference, type ServiceSpec } from '../runtime/service-spec.js';
import { createAndStart, retire, serve, unserve, waitHealthy } from './replica-lifecycle.js';
import { DeployReporter, replicaEndpoints, type DeployStatusReport } from './deploy-reporter.js';

/** Old replicas get this long to shut down after SIGTERM before Docker kills them. */
export const OLD_REPLICA_STOP_TIMEOUT_SECONDS = 10;
/* After a failed deploy, restarted old replicas get this long to pass their health check again. */
const RESTORE_TIMEOUT_MS = 60_000;
const DEPLOY_LOG_LINES = 20;

/* Progress bands: the pull is up to 30 %, the rollout 30–95 %, removing old containers the rest. */
const PULL_DONE_PERCENT = 30;
const ROLLOUT_DONE_PERCENT = 95;

export type DeployResult =
  | { ok: true; endpoint: string | null; replicas: DeployStatusReport['replicas'] }
  | { ok: false; error: { code: string; message: string } };

/**
 * Runs one `deploy` command, reporting each phase through `report`. On failure the new
 * containers are removed and old replicas that were stopped are started again, so the
 * previous version keeps serving. One deploy per service at a time (the registry's lock).
 */
export async function deploy(
  context: AgentContext,
  payload: DeployPayload,
  report: (status: DeployStatusReport) => void,
): Promise<DeployResult> {
  return context.services.exclusive(payload.service_id, () => new DeployRun(context, payload, report).run());
}

/* One deploy from pull to cleanup; the rollout proper (new replicas in, old ones out) is `batch` or `rolling`. */
class DeployRun {
  private readonly reporter: DeployReporter;
  private readonly spec: ServiceSpec;
  private readonly created: Replica[] = [];
  private readonly stoppedOld: Replica[] = [];
  private old: Replica[] = [];
  private previous: { spec: ServiceSpec; healthCheck: HealthCheckConfig | null } | null = null;
  private state: ServiceState | null = null;

  constructor(
    private readonly context: AgentContext,
    private readonly payload: DeployPayload,
    report: (status: DeployStatusReport) => void,
  ) {
    this.reporter = new DeployReporter(payload, report);
    const spec = specFromDeploy(payload);
    const telemetry = context.telemetry;
    this.spec = telemetry ? { ...spec, config: { ...spec.config, env_vars: telemetry.containerEnv(spec, spec.config.env_vars) } } : spec;
  }

  async run(): Promise<DeployResult> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new AgentError('TIMEOUT', `The deploy did not finish within ${this.payload.timeout_seconds} s`)),
      this.payload.timeout_seconds * 1000,
    );
    try {
      const done = await this.alreadyRunning();
      if (done) return done;
      await this.execute(controller.signal);
      this.context.edge?.useAcme(this.payload.networking.acme);
      // Inside the try: a domain the proxy cannot route fails the deploy, which is undone.
      await this.context.edge?.sync(this.context.services);
      return this.finish();
    } catch (error) {
      return this.fail(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /* Temporal does not deduplicate signals, so the same deploy can arrive twice: the second only reports. */
  private async alreadyRunning(): Promise<DeployResult | null> {
    const known = this.context.services.find(this.payload.service_id);
    if (known?.spec.deployment_id !== this.payload.deployment_id) return null;
    const current = (await this.context.services.replicas(this.payload.service_id)).filter(
      (replica) => replica.deploymentId === this.payload.deployment_id && replica.running,
    );
    if (current.length < this.payload.config.replicas) return null;
    this.state = known;
    this.created.push(...current);
    await this.context.edge?.sync(this.context.services);
    return this.finish();
  }

  private async execute(signal: AbortSignal): Promise<void> {
    const reference = imageReference(this.payload.image);
    this.reporter.step('pull_image', 'pulling', 0, `Pulling ${reference}`);
    await pullImage(this.context.docker, this.payload.image, this.payload.registry_auth, {
      signal,
      onProgress: (fraction) => this.reporter.progress(fraction * PULL_DONE_PERCENT, `Pulling ${reference}`),
    });
    signal.throwIfAborted();
    await this.takeOver();
    // Containers join the project network when they are created, so it must exist first.
    await ensureProjectNetwork(this.context.docker, this.spec.project_name);

    const band = { from: PULL_DONE_PERCENT, to: ROLLOUT_DONE_PERCENT };
    if (this.payload.strategy === 'rolling') await this.rolling(band, signal);
    else await this.batch(band, signal);

    this.reporter.step('cleanup', null, ROLLOUT_DONE_PERCENT, `Removing ${this.old.length} old container(s)`);
    this.stoppedOld.length = 0;
    for (const replica of this.old) {
      this.service.health.delete(replica.containerId);
      this.service.crashRestarts.delete(replica.containerId);
      // The new version already serves: a leftover old container is worth a log line, not an undo.
      await removeContainer(this.context.docker, replica.containerId).catch((error: unknown) =>
        this.context.log.warn({ containerId: replica.containerId }, `could not remove an old container: ${messageOf(error)}`),
      );
    }
  }

  /** Remembers what runs now (to restore it on failure) and makes the new spec the service's. */
  private async takeOver(): Promise<void> {
    const known = await this.context.services.load(this.payload.service_id).catch((error: unknown) => {
      if (error instanceof AgentError && error.code === 'CONTAINER_NOT_FOUND') return null;
      throw error;
    });
    if (known) this.previous = { spec: known.spec, healthCheck: known.healthCheck };
    const replicas = await this.context.services.replicas(this.payload.service_id);
    // Containers of this very deployment are leftovers of an earlier, interrupted attempt.
    for (const leftover of replicas.filter((replica) => replica.deploymentId === this.payload.deployment_id)) {
      await removeContainer(this.context.docker, leftover.containerId);
    }
    this.old = replicas.filter((replica) => replica.deploymentId !== this.payload.deployment_id);
    this.state = await this.context.services.adopt(this.spec);
    this.reporter.endpoint = this.state.proxy?.endpoint;
  }

  /** `instant` stops the old replicas first; `blue_green` starts every new one before stopping any old. */
  private async batch(band: { from: number; to: number }, signal: AbortSignal): Promise<void> {
    const at = (fraction: number) => band.from + (band.to - band.from) * fraction;
    const count = this.payload.config.replicas;
    const instant = this.payload.strategy === 'instant';
    if (instant) await this.stopOld(this.old, 'pulling', at(0));
    this.reporter.step('create_container', 'creating', at(0.15), `Creating and starting ${count} replica(s)`);
    const indexes = Array.from({ length: count }, (_, index) => index);
    const started = await Promise.allSettled(indexes.map((index) => createAndStart(this.context, this.service, index)));
    for (const result of started) if (result.status === 'fulfilled') this.created.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    this.reporter.step('start_container', 'starting', at(0.3), `Started ${count} replica(s)`);
    signal.throwIfAborted();
    this.configureNetwork(this.created, at(0.35));
    this.reporter.step('health_check', 'health_checking', at(0.4), `Waiting for ${count} replica(s) to pass the health check`);
    await Promise.all(this.created.map((replica) => waitHealthy(this.context, this.service, replica, signal)));
    await serve(this.context, this.service, this.created);
    await this.reportLogs();
    if (!instant) await this.stopOld(this.old, 'health_checking', at(0.85));
  }

  /** One replica at a time: start a new one, wait until it is healthy and serving, then stop one old one. */
  private async rolling(band: { from: number; to: number }, signal: AbortSignal): Promise<void> {
    const count = this.payload.config.replicas;
    const slice = (band.to - band.from) / count;
    const oldRunning = this.old.filter((replica) => replica.running);
    for (let index = 0; index < count; index++) {
      const at = (fraction: number) => band.from + slice * (index + fraction);
      const label = `replica ${index + 1} of ${count}`;
      this.reporter.step('create_container', 'creating', at(0), `Creating ${label}`);
      const replica = await createAndStart(this.context, this.service, index);
      this.created.push(replica);
      this.reporter.containerId = replica.containerId;
      this.reporter.step('start_container', 'starting', at(0.2), `Started ${label}`);
      signal.throwIfAborted();
      this.configureNetwork([replica], at(0.3));
      this.reporter.step('health_check', 'health_checking', at(0.4), `Waiting for ${label} to pass the health check`);
      await waitHealthy(this.context, this.service, replica, signal);
      await serve(this.context, this.service, [replica]);
      await this.reportLogs();
      const retiring = oldRunning.shift();
      if (retiring) await this.stopOld([retiring], 'health_checking', at(0.8));
    }
    await this.stopOld(oldRunning, 'health_checking', band.to);
  }

  /** The service's state once `takeOver` made the new spec current. */
  private get service(): ServiceState {
    if (!this.state) throw new Error('the deploy has not taken over the service yet');
    return this.state;
  }

  private configureNetwork(replicas: readonly Replica[], percent: number): void {
    for (const replica of replicas) {
      if (replica.ip === null) throw new AgentError('START_FAILED', `${replica.name} did not join the project network (it exited at once?)`);
      if (needsEndpoint(this.spec) && replica.hostPort === null) {
        throw new AgentError('START_FAILED', `${replica.name} has no published port for ${this.spec.config.port}/tcp`);
      }
    }
    this.reporter.containerId = replicas.at(-1)?.containerId;
    this.reporter.replicas = replicaEndpoints(this.created);
    const addresses = replicas.map((r) => `${r.ip}${r.hostPort === null ? '' : ` (127.0.0.1:${r.hostPort})`}`).join(', ');
    this.reporter.step('configure_network', 'starting', percent, `${this.spec.networking.internal_hostname} → ${addresses}`);
  }

  /* Stopped, not removed: a failure later in the deploy starts them again. */
  private async stopOld(replicas: readonly Replica[], status: 'pulling' | 'health_checking', percent: number): Promise<void> {
    const running = replicas.filter((replica) => replica.running);
    if (running.length === 0) return;
    this.reporter.step('stop_old', status, percent, `Stopping ${running.length} old replica(s)`);
    for (const replica of running) {
      await retire(this.context, this.service, replica, { timeoutSeconds: OLD_REPLICA_STOP_TIMEOUT_SECONDS, remove: false });
      this.stoppedOld.push(replica);
    }
  }

  private async reportLogs(): Promise<void> {
    const newest = this.created.at(-1);
    if (newest) this.reporter.logs = await recentLogLines(this.context.docker, newest.containerId, DEPLOY_LOG_LINES);
  }

  private finish(): DeployResult {
    const endpoint = this.service.proxy?.endpoint ?? null;
    this.reporter.endpoint = endpoint ?? undefined;
    this.reporter.replicas = replicaEndpoints(this.created);
    this.reporter.containerId = this.created.at(-1)?.containerId;
    const where = endpoint ? `; endpoint ${endpoint}` : '';
    this.reporter.succeed(`Running ${this.created.length} replica(s) of ${imageReference(this.payload.image)}${where}`);
    return { ok: true, endpoint, replicas: this.reporter.replicas };
  }

  private async fail(cause: unknown): Promise<DeployResult> {
    const error = toCommandError(cause, 'DEPLOY_FAILED');
    this.context.log.warn({ deploymentId: this.payload.deployment_id, code: error.code }, `deploy failed: ${error.message}`);
    const failing = this.created.at(-1);
    if (failing) this.reporter.logs = await recentLogLines(this.context.docker, failing.containerId, DEPLOY_LOG_LINES).catch(() => undefined);
    try {
      await this.undo();
    } catch (undoError) {
      this.context.log.error({ deploymentId: this.payload.deployment_id }, `restoring the previous version failed: ${messageOf(undoError)}`);
    }
    // The previous version's domains (or none, for a first deploy) route again.
    await this.context.edge
      ?.sync(this.context.services)
      .catch((syncError: unknown) => this.context.log.error(`restoring the proxy's routes failed: ${messageOf(syncError)}`));
    this.reporter.replicas = undefined;
    this.reporter.fail({ code: error.code, message: error.message });
    return { ok: false, error: { code: error.code, message: error.message } };
  }

  private async undo(): Promise<void> {
    const state = this.state;
    for (const replica of this.created) {
      if (state) await unserve(this.context, state, replica);
      await removeContainer(this.context.docker, replica.containerId);
    }
    if (!state) return;
    if (!this.previous) {
      await this.context.services.forget(this.payload.service_id);
      return;
    }
    const restored = await this.context.services.adopt(this.previous.spec);
    restored.healthCheck = this.previous.healthCheck;
    const deadline = AbortSignal.timeout(RESTORE_TIMEOUT_MS);
    for (const replica of this.stoppedOld) {
      try {
        const restarted = await startReplica(this.context.docker, replica.containerId);
        await waitHealthy(this.context, restored, restarted, deadline);
        await serve(this.context, restored, [restarted]);
      } catch (error) {
        this.context.log.error({ containerId: replica.containerId }, `old replica did not come back: ${messageOf(error)}`);
      }
    }
  }
}
