import net from 'node:net';
import type Docker from 'dockerode';
import type { HealthCheckConfig } from '../../contracts/index.js';
import { AgentError, messageOf } from '../errors.js';
import { raceAbort, sleep } from '../timing.js';
import { inspectReplica } from './containers.js';
import { runInContainer } from './exec.js';

/* Without a configured check, "healthy" means the process is still up after this long. */
const CONTAINER_SETTLE_MS = 1_000;

/** Where a replica can be probed from the agent's host. */
export interface HealthTarget {
  containerId: string;
  hostPort: number | null;
  ip: string | null;
  /** `config.port`, the port a check without its own `port` probes. */
  servicePort: number;
}

/** One probe's outcome, in the fields of the telemetry `HealthCheckResult`. */
export interface ProbeResult {
  is_healthy: boolean;
  timestamp: string;
  response_time_ms: number;
  status_code?: number;
  error?: string;
}

/*
 * The published host port when the check targets the service port (what a user's traffic
 * uses), else the container's address on the project network, which the host routes to.
 */
function probeAddress(target: HealthTarget, port: number): { host: string; port: number } {
  if (port === target.servicePort && target.hostPort !== null) return { host: '127.0.0.1', port: target.hostPort };
  if (target.ip !== null) return { host: target.ip, port };
  throw new Error('the container has no published port and no network address (is it running?)');
}

type ProbeOutcome = Omit<ProbeResult, 'timestamp' | 'response_time_ms'>;

async function probeHttp(check: Extract<HealthCheckConfig, { type: 'http' }>, target: HealthTarget): Promise<ProbeOutcome> {
  const { host, port } = probeAddress(target, check.port ?? target.servicePort);
  const response = await fetch(`http://${host}:${port}${check.path ?? '/'}`, {
    redirect: 'manual',
    signal: AbortSignal.timeout(check.timeout_seconds * 1000),
  });
  await response.body?.cancel();
  // Redirects count as alive, like Docker's and most load balancers' HTTP checks.
  const healthy = response.status >= 200 && response.status < 400;
  return healthy
    ? { is_healthy: true, status_code: response.status }
    : { is_healthy: false, status_code: response.status, error: `HTTP ${response.status} from ${check.path ?? '/'}` };
}

async function probeTcp(check: Extract<HealthCheckConfig, { type: 'tcp' }>, target: HealthTarget): Promise<ProbeOutcome> {
  const { host, port } = probeAddress(target, check.port ?? target.servicePort);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: check.timeout_seconds * 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no TCP answer on port ${port} within ${check.timeout_seconds} s`));
    });
    socket.once('error', reject);
  });
  return { is_healthy: true };
}

async function probeExec(
  docker: Docker,
  check: Extract<HealthCheckConfig, { type: 'exec' }>,
  target: HealthTarget,
): Promise<ProbeOutcome> {
  const result = await runInContainer(docker, target.containerId, { command: check.command, timeoutSeconds: check.timeout_seconds });
  if (result.exit_code === 0) return { is_healthy: true };
  const output = (result.stderr || result.stdout).trim().slice(-200);
  return { is_healthy: false, error: `${check.command.join(' ')} exited with ${result.exit_code}${output ? `: ${output}` : ''}` };
}

/** Runs the check once; never throws (a failed probe is a result, not an error). */
export async function probeOnce(docker: Docker, check: HealthCheckConfig, target: HealthTarget): Promise<ProbeResult> {
  const started = performance.now();
  const timestamp = new Date().toISOString();
  try {
    const outcome =
      check.type === 'http'
        ? await probeHttp(check, target)
        : check.type === 'tcp'
          ? await probeTcp(check, target)
          : await probeExec(docker, check, target);
    return { ...outcome, timestamp, response_time_ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { is_healthy: false, timestamp, response_time_ms: Math.round(performance.now() - started), error: messageOf(error) };
  }
}

/**
 * Probes every `interval_seconds` until one probe passes. Failures during `start_period_seconds`
 * do not count; after it, `retries` further failures are tolerated (Docker's meaning of retries
 * plus the first attempt), then the replica is unhealthy. A container that exits fails at once.
 */
export async function waitUntilHealthy(
  docker: Docker,
  check: HealthCheckConfig | null,
  target: HealthTarget,
  signal: AbortSignal,
): Promise<ProbeResult | null> {
  if (check === null) {
    await sleep(CONTAINER_SETTLE_MS, signal);
    await assertRunning(docker, target.containerId, signal);
    return null;
  }
  const startPeriodEnds = Date.now() + check.start_period_seconds * 1000;
  let countedFailures = 0;
  for (;;) {
    const result = await raceAbort(probeOnce(docker, check, target), signal);
    if (result.is_healthy) return result;
    await assertRunning(docker, target.containerId, signal);
    if (Date.now() >= startPeriodEnds) countedFailures += 1;
    if (countedFailures > check.retries) {
      throw new AgentError('HEALTH_CHECK_FAILED', `Health check failed ${countedFailures} times: ${result.error ?? 'unhealthy'}`, result);
    }
    await sleep(check.interval_seconds * 1000, signal);
  }
}

async function assertRunning(docker: Docker, containerId: string, signal: AbortSignal): Promise<void> {
  const replica = await raceAbort(inspectReplica(docker, containerId), signal);
  if (!replica.running) {
    throw new AgentError('HEALTH_CHECK_FAILED', `The container exited with code ${replica.exitCode ?? 'unknown'} before it became healthy`);
  }
}
