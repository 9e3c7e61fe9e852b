import type { AlertPayload, HeartbeatPayload } from '../contracts/index.js';
import type { AgentContext } from './context.js';
import { messageOf } from './errors.js';
import { emitAlert, type AlertFields, type Emit } from './outbound.js';
import { startReplica, type Replica } from './runtime/containers.js';
import { probeOnce } from './runtime/health-check.js';
import { networkAddress } from './runtime/service-proxy.js';
import type { ServiceState } from './runtime/service-registry.js';
import { healthTarget } from './commands/replica-lifecycle.js';

export interface SupervisorOptions {
  /** `srv_…`, the `server_id` of every alert; a function because the agent learns it from `hello_ack`. */
  serverId: () => string;
  /** How often containers are looked at; health probes still follow each check's own interval. */
  tickMs: number;
  /** This many crashes of one container within `crashLoopWindowMs` is a restart loop (critical alert). */
  crashLoopRestarts: number;
  crashLoopWindowMs: number;
  /** Crashed containers are restarted after 1 s, 2 s, 4 s … up to this. */
  restartBackoffMaxMs: number;
  /** Used share of CPU, memory and disk, in percent, above which a resource_critical alert goes out. */
  resourceCriticalPercent: number;
  /** A resource alerts again only after falling this many points below the threshold, so a value hovering at it does not flap. */
  resourceRearmPercent: number;
}

export const DEFAULT_SUPERVISOR_OPTIONS: Omit<SupervisorOptions, 'serverId'> = {
  tickMs: 1_000,
  crashLoopRestarts: 5,
  crashLoopWindowMs: 5 * 60_000,
  restartBackoffMaxMs: 60_000,
  resourceCriticalPercent: 90,
  resourceRearmPercent: 5,
};

const FIRST_RESTART_DELAY_MS = 1_000;

type Resource = 'cpu' | 'memory' | 'disk';

/**
 * Watches what the agent runs, between commands. Containers run with restart policy "no", so
 * this is what brings a crashed replica back (with backoff) and notices when it keeps crashing;
 * it runs each service's health check on its interval, takes a replica that fails past its
 * retries out of the endpoint's rotation (and back once it passes); and it turns heartbeat
 * figures above the critical threshold into alerts. Services in the middle of a command are
 * left alone: the command owns them until it finishes.
 */
export class Supervisor {
  private readonly crashes = new Map<string, number[]>();
  private readonly restartAt = new Map<string, number>();
  private readonly loopAlerted = new Set<string>();
  private readonly lastProbeAt = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly resourceAlerted = new Set<Resource>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly context: AgentContext,
    private readonly emit: Emit,
    private readonly options: SupervisorOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    const loop = () => {
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        if (this.timer) this.timer = setTimeout(loop, this.options.tickMs);
      });
    };
    this.timer = setTimeout(loop, this.options.tickMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** One pass over every known service; never throws (a failing Docker call waits for the next tick). */
  async tick(): Promise<void> {
    for (const serviceId of this.context.services.serviceIds()) {
      const state = this.context.services.find(serviceId);
      if (!state || state.stopped || this.context.services.isBusy(serviceId)) continue;
      try {
        await this.context.services.exclusive(serviceId, () => this.superviseService(state));
      } catch (error) {
        this.context.log.warn({ serviceId }, `supervising the service failed: ${messageOf(error)}`);
      }
    }
    await this.forgetRemovedContainers().catch((error: unknown) => this.context.log.warn(`listing containers failed: ${messageOf(error)}`));
  }

  /** Sends (and returns) alerts for heartbeat figures above the critical threshold, once per crossing. */
  checkResources(resources: HeartbeatPayload['resources']): AlertPayload[] {
    const used: Record<Resource, number> = {
      cpu: resources.cpu_usage_percent,
      memory: percentOf(resources.memory_used_mb, resources.memory_used_mb + resources.memory_available_mb),
      disk: percentOf(resources.disk_used_gb, resources.disk_used_gb + resources.disk_available_gb),
    };
    const alerts: AlertPayload[] = [];
    for (const resource of Object.keys(used) as Resource[]) {
      const percent = used[resource];
      if (percent >= this.options.resourceCriticalPercent && !this.resourceAlerted.has(resource)) {
        this.resourceAlerted.add(resource);
        alerts.push(
          this.emitAlert({
            type: 'resource_critical',
            severity: 'critical',
            title: `${resource.toUpperCase()} usage at ${percent.toFixed(1)} %`,
            message: `${resource} usage on this server is above ${this.options.resourceCriticalPercent} %`,
            metadata: { resource, percent, threshold_percent: this.options.resourceCriticalPercent },
          }),
        );
      } else if (percent < this.options.resourceCriticalPercent - this.options.resourceRearmPercent) {
        this.resourceAlerted.delete(resource);
      }
    }
    return alerts;
  }

  private async superviseService(state: ServiceState): Promise<void> {
    const replicas = await this.context.services.currentReplicas(state);
    for (const replica of replicas) {
      if (replica.running) {
        await this.checkHealth(state, replica);
        // At once, not after the other replicas' probes: a failing replica leaves the rotation with its alert.
        await this.syncRotation(state, replicas);
      } else {
        await this.handleExit(state, replica);
      }
    }
    await this.syncRotation(state, replicas);
  }

  private async checkHealth(state: ServiceState, replica: Replica): Promise<void> {
    const check = state.healthCheck;
    const now = Date.now();
    if (!check || now - (this.lastProbeAt.get(replica.containerId) ?? 0) < check.interval_seconds * 1000) return;
    this.lastProbeAt.set(replica.containerId, now);
    const result = await probeOnce(this.context.docker, check, healthTarget(state, replica));
    this.context.telemetry?.recordHealthCheck({ service_id: state.spec.service_id, ...result });
    if (result.is_healthy) {
      this.failures.delete(replica.containerId);
      state.health.set(replica.containerId, 'healthy');
      return;
    }
    const inStartPeriod = replica.startedAt !== null && now - Date.parse(replica.startedAt) < check.start_period_seconds * 1000;
    if (inStartPeriod) return;
    const failures = (this.failures.get(replica.containerId) ?? 0) + 1;
    this.failures.set(replica.containerId, failures);
    if (failures <= check.retries || state.health.get(replica.containerId) === 'unhealthy') return;
    state.health.set(replica.containerId, 'unhealthy');
    this.emitAlert({
      type: 'health_check_failed',
      severity: 'critical',
      service_id: state.spec.service_id,
      title: `${state.spec.service_name}: health check failing`,
      message:
        `${replica.name} failed its ${check.type} health check ${failures} times in a row: ${result.error ?? 'unhealthy'}. ` +
        'It is out of rotation until it passes again.',
      metadata: { container_id: replica.containerId, failures, ...result },
    });
  }

  private async handleExit(state: ServiceState, replica: Replica): Promise<void> {
    const now = Date.now();
    const due = this.restartAt.get(replica.containerId);
    if (due === undefined) {
      const recent = [...(this.crashes.get(replica.containerId) ?? []), now].filter((at) => now - at < this.options.crashLoopWindowMs);
      this.crashes.set(replica.containerId, recent);
      const delay = Math.min(FIRST_RESTART_DELAY_MS * 2 ** (recent.length - 1), this.options.restartBackoffMaxMs);
      this.restartAt.set(replica.containerId, now + delay);
      this.alertCrash(state, replica, recent.length);
      return;
    }
    if (now < due) return;
    this.restartAt.delete(replica.containerId);
    state.health.delete(replica.containerId);
    this.failures.delete(replica.containerId);
    this.lastProbeAt.delete(replica.containerId);
    state.crashRestarts.set(replica.containerId, (state.crashRestarts.get(replica.containerId) ?? 0) + 1);
    await startReplica(this.context.docker, replica.containerId);
  }

  private alertCrash(state: ServiceState, replica: Replica, crashesInWindow: number): void {
    const windowMinutes = Math.round(this.options.crashLoopWindowMs / 60_000);
    const looping = crashesInWindow >= this.options.crashLoopRestarts;
    if (looping && this.loopAlerted.has(replica.containerId)) return;
    if (!looping && crashesInWindow > 1) return;
    if (looping) this.loopAlerted.add(replica.containerId);
    this.emitAlert({
      type: 'container_crash',
      severity: looping ? 'critical' : 'warning',
      service_id: state.spec.service_id,
      title: looping ? `${state.spec.service_name}: restart loop` : `${state.spec.service_name}: container exited`,
      message: looping
        ? `${replica.name} exited ${crashesInWindow} times within ${windowMinutes} min (last exit code ${replica.exitCode}); ` +
          'the agent keeps restarting it with backoff'
        : `${replica.name} exited with code ${replica.exitCode}; the agent restarts it`,
      metadata: { container_id: replica.containerId, exit_code: replica.exitCode, crashes_in_window: crashesInWindow },
    });
  }

  /* Per-container bookkeeping would otherwise grow with every container ever deployed. */
  private async forgetRemovedContainers(): Promise<void> {
    const existing = new Set((await this.context.docker.listContainers({ all: true, filters: this.context.services.ownedFilter() })).map((c) => c.Id));
    for (const book of [this.crashes, this.restartAt, this.lastProbeAt, this.failures]) {
      for (const containerId of book.keys()) if (!existing.has(containerId)) book.delete(containerId);
    }
    for (const containerId of this.loopAlerted) if (!existing.has(containerId)) this.loopAlerted.delete(containerId);
  }

  /** The endpoint and Caddy route to running replicas the health check has not found unhealthy, and nothing else. */
  private async syncRotation(state: ServiceState, replicas: readonly Replica[]): Promise<void> {
    const proxy = state.proxy;
    if (!proxy) return;
    const wanted = new Map(
      replicas
        .filter((replica) => replica.running && replica.hostPort !== null)
        // Not yet probed counts as eligible: after an agent restart the endpoint keeps serving while checks catch up.
        .filter((replica) => state.health.get(replica.containerId) !== 'unhealthy')
        .map((replica) => [replica.hostPort!, networkAddress(replica, state.spec.config.port)]),
    );
    const before = proxy.upstreams;
    for (const port of proxy.backendPorts) if (!wanted.has(port)) proxy.remove(port);
    for (const [port, address] of wanted) proxy.add(port, address);
    if (proxy.upstreams.length !== before.length || proxy.upstreams.some((upstream) => !before.includes(upstream))) {
      await this.context.edge?.rotationChanged(this.context.services, state);
    }
  }

  private emitAlert(fields: AlertFields): AlertPayload {
    return emitAlert(this.emit, this.options.serverId(), fields);
  }
}

function percentOf(part: number, whole: number): number {
  return whole > 0 ? (part / whole) * 100 : 0;
}
