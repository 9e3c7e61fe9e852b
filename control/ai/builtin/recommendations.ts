import type { AiRecommendation } from '../../../contracts/index.js';

/*
 * The built-in engine's recommendations: thresholds over a service's own figures of the last day
 * (and week, for deployments). Every recommendation carries the figures it rests on.
 */

export interface ServiceVitals {
  type: string;
  replicas: number;
  memoryLimitBytes: number | null;
  hasHealthCheck: boolean;
  memory: { p95Bytes: number; maxBytes: number; samples: number };
  operations: { operation: string; requests: number; errors: number; p95Ms: number }[];
  deployments: { status: string | null }[];
  oomEvents: number;
  healthChecks: { total: number; unhealthy: number };
  unresolvedIssues: { issues: number; events: number };
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
const percent = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;

/** `512m`, `1g`, `256Mi`, `1.5GiB`, `134217728` → bytes; null when the text is no size. */
export function parseMemoryLimit(text: string | null): number | null {
  if (!text) return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)?\s*$/i.exec(text);
  if (!match) return null;
  const power = ['', 'k', 'm', 'g', 't'].indexOf(match[2]!.toLowerCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}

type Recommendation = Omit<AiRecommendation, 'engine'>;

const severityOrder = { critical: 0, warning: 1, info: 2 } as const;

export function recommend(vitals: ServiceVitals): AiRecommendation[] {
  const found: Recommendation[] = [];
  const failed = vitals.deployments.filter((deployment) => deployment.status === 'failed' || deployment.status === 'rolled_back').length;

  if (vitals.oomEvents > 0) {
    found.push({
      kind: 'oom_killed',
      severity: 'critical',
      title: 'Containers were killed for running out of memory',
      detail: `${vitals.oomEvents} out-of-memory kill${vitals.oomEvents === 1 ? '' : 's'} in the last 7 days.`,
      action: 'Raise the memory limit above the peak use, or cap the runtime heap below it, and look for memory that grows between restarts.',
      evidence: { oom_events: vitals.oomEvents, memory_limit_mib: vitals.memoryLimitBytes === null ? null : mib(vitals.memoryLimitBytes), peak_mib: mib(vitals.memory.maxBytes) },
    });
  }
  if (vitals.healthChecks.total >= 5 && vitals.healthChecks.unhealthy / vitals.healthChecks.total >= 0.2) {
    found.push({
      kind: 'restart_loop',
      severity: 'critical',
      title: 'Health checks keep failing',
      detail: `${vitals.healthChecks.unhealthy} of the last ${vitals.healthChecks.total} health checks failed in 24 hours: replicas are restarted again and again.`,
      action: "Read the service's logs around the failures; check that it listens on 0.0.0.0 and the configured port, and that the check's timeout covers a cold start.",
      evidence: { unhealthy_checks: vitals.healthChecks.unhealthy, checks: vitals.healthChecks.total },
    });
  }
  if (failed >= 2) {
    found.push({
      kind: 'failed_deployments',
      severity: 'warning',
      title: 'Deployments fail often',
      detail: `${failed} of the last ${vitals.deployments.length} deployments in 7 days failed or were rolled back.`,
      action: "Read the failed deployments' logs; a build or health check that fails repeatedly usually has one cause.",
      evidence: { failed_deployments: failed, deployments: vitals.deployments.length },
    });
  }
  if (vitals.memoryLimitBytes !== null && vitals.memory.samples >= 10) {
    const ratio = vitals.memory.p95Bytes / vitals.memoryLimitBytes;
    if (ratio >= 0.9) {
      found.push({
        kind: 'memory_limit_tight',
        severity: 'warning',
        title: 'Memory use is close to the limit',
        detail: `95 % of the time the service uses up to ${mib(vitals.memory.p95Bytes)} MiB of its ${mib(vitals.memoryLimitBytes)} MiB limit (${percent(vitals.memory.p95Bytes, vitals.memoryLimitBytes)} %).`,
        action: `Raise the memory limit to about ${Math.ceil((mib(vitals.memory.maxBytes) * 1.3) / 64) * 64} MiB (peak plus 30 %), or reduce what it holds in memory.`,
        evidence: { p95_mib: mib(vitals.memory.p95Bytes), peak_mib: mib(vitals.memory.maxBytes), limit_mib: mib(vitals.memoryLimitBytes) },
      });
    } else if (vitals.memory.maxBytes < vitals.memoryLimitBytes * 0.25 && vitals.memoryLimitBytes >= 256 * 1024 * 1024) {
      found.push({
        kind: 'memory_limit_oversized',
        severity: 'info',
        title: 'The memory limit is far above what the service uses',
        detail: `The peak in 24 hours was ${mib(vitals.memory.maxBytes)} MiB of a ${mib(vitals.memoryLimitBytes)} MiB limit.`,
        action: `A limit of about ${Math.max(128, Math.ceil((mib(vitals.memory.maxBytes) * 2) / 64) * 64)} MiB (twice the peak) leaves room for more services on the server.`,
        evidence: { peak_mib: mib(vitals.memory.maxBytes), limit_mib: mib(vitals.memoryLimitBytes) },
      });
    }
  }
  const requests = vitals.operations.reduce((sum, operation) => sum + operation.requests, 0);
  const errors = vitals.operations.reduce((sum, operation) => sum + operation.errors, 0);
  if (requests >= 20 && errors / requests >= 0.05) {
    const worst = [...vitals.operations].sort((a, b) => b.errors - a.errors)[0]!;
    found.push({
      kind: 'error_rate',
      severity: errors / requests >= 0.2 ? 'critical' : 'warning',
      title: 'Many requests fail',
      detail: `${percent(errors, requests)} % of ${requests} requests failed in 24 hours; most in ${worst.operation} (${worst.errors}).`,
      action: `Open the failing traces of ${worst.operation} and the service's unresolved issues.`,
      evidence: { error_percent: percent(errors, requests), requests, errors, worst_operation: worst.operation },
    });
  }
  const slowest = vitals.operations.find((operation) => operation.requests >= 10 && operation.p95Ms >= 1000);
  if (slowest) {
    found.push({
      kind: 'slow_endpoint',
      severity: slowest.p95Ms >= 5000 ? 'warning' : 'info',
      title: `${slowest.operation} is slow`,
      detail: `Its 95th percentile is ${Math.round(slowest.p95Ms)} ms over ${slowest.requests} requests in 24 hours.`,
      action: `Open its slowest traces to see which span takes the time (a query without an index, a call without a timeout, work that could be cached).`,
      evidence: { operation: slowest.operation, p95_ms: Math.round(slowest.p95Ms), requests: slowest.requests },
    });
  }
  if (vitals.unresolvedIssues.issues > 0) {
    found.push({
      kind: 'unresolved_issues',
      severity: vitals.unresolvedIssues.events >= 100 ? 'warning' : 'info',
      title: 'Unresolved issues',
      detail: `${vitals.unresolvedIssues.issues} unresolved issue${vitals.unresolvedIssues.issues === 1 ? '' : 's'} seen in 24 hours, ${vitals.unresolvedIssues.events} events in all.`,
      action: 'Analyse the most frequent one (POST /ai/analyze-error) and resolve or ignore the rest.',
      evidence: { issues: vitals.unresolvedIssues.issues, events: vitals.unresolvedIssues.events },
    });
  }
  const serves = vitals.type === 'app';
  if (serves && !vitals.hasHealthCheck) {
    found.push({
      kind: 'health_check_missing',
      severity: 'warning',
      title: 'No health check',
      detail: 'Without one, a deployment counts as healthy once its container starts, and a hung process is never replaced.',
      action: 'Add an HTTP health check on a path that answers 200 only when the service can serve (health_check in the service settings).',
      evidence: { health_check: null },
    });
  }
  if (serves && vitals.replicas <= 1) {
    found.push({
      kind: 'single_replica',
      severity: 'info',
      title: 'One replica',
      detail: 'A crash or a deployment on a single replica leaves the service without a healthy instance for a moment.',
      action: 'Scale to two replicas if the service is stateless.',
      evidence: { replicas: vitals.replicas },
    });
  }
  return found.sort((a, b) => severityOrder[a.severity] - severityOrder[b.severity]).map((recommendation) => ({ ...recommendation, engine: 'builtin' }));
}
