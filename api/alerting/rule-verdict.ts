import type { ClickHouseClient } from '@clickhouse/client';
import type { Kysely } from 'kysely';
import { AlertCondition } from '../../contracts/index.js';
import type { AlertIncidentRow, AlertRow, Database } from '../../db/postgres/database.js';
import { recentHealthChecks, servicesOfRule } from '../../db/queries/telemetry-alerts.js';
import { measure } from '../../db/clickhouse/alert-measurements.js';

export interface AffectedService {
  id: string;
  name?: string;
  value?: number;
}

/** breach: open or refresh the rule's incident; clear: resolve it; hold: leave it as it is. */
export type RuleVerdict =
  | { state: 'breach'; message: string; services: AffectedService[] }
  | { state: 'clear' }
  | { state: 'hold' };

const comparisons = { gt: (a: number, b: number) => a > b, gte: (a: number, b: number) => a >= b, lt: (a: number, b: number) => a < b, lte: (a: number, b: number) => a <= b };
const operatorText = { gt: '>', gte: '≥', lt: '<', lte: '≤' };

export async function judgeRule(
  deps: { db: Kysely<Database>; clickhouse: ClickHouseClient },
  rule: AlertRow,
  open: AlertIncidentRow | undefined,
): Promise<RuleVerdict> {
  const condition = AlertCondition.parse(rule.condition);
  const services = await servicesOfRule(deps.db, rule);
  const names = new Map(services.map((service) => [service.id, service.name]));
  if (condition.type === 'downtime') return judgeDowntime(deps.db, rule, condition.consecutive_failures, services.map((s) => s.id), names, open);

  const figures = await measure(deps.clickhouse, condition, services.map((service) => service.id));
  const threshold = thresholdOf(condition);
  const affected = [...figures.entries()]
    .filter(([, value]) => threshold.breached(value))
    .map(([id, value]) => ({ id, name: names.get(id) ?? id, value: round(value) }));
  if (affected.length === 0) return { state: 'clear' };
  const worst = affected.reduce((a, b) => (threshold.worse(b.value, a.value) ? b : a));
  return { state: 'breach', message: `${rule.name}: ${threshold.describe(worst.value)} on ${affected.map((s) => s.name).join(', ')}`, services: affected };
}

interface Threshold {
  breached: (value: number) => boolean;
  /** Which of two breaching figures the message names: the highest, or the lowest for a lower bound. */
  worse: (a: number, b: number) => boolean;
  describe: (value: number) => string;
}

function thresholdOf(condition: Exclude<AlertCondition, { type: 'downtime' }>): Threshold {
  const higher = (a: number, b: number) => a > b;
  switch (condition.type) {
    case 'error_rate':
      return { breached: (v) => v > condition.threshold_percent, worse: higher, describe: (v) => `error rate ${round(v)} % above ${condition.threshold_percent} %` };
    case 'latency':
      return { breached: (v) => v > condition.threshold_ms, worse: higher, describe: (v) => `p${condition.percentile} latency ${round(v)} ms above ${condition.threshold_ms} ms` };
    case 'custom': {
      const lowerBound = condition.operator === 'lt' || condition.operator === 'lte';
      return {
        breached: (v) => comparisons[condition.operator](v, condition.threshold),
        worse: lowerBound ? (a, b) => a < b : higher,
        describe: (v) => `${condition.aggregation} of ${condition.metric} ${round(v)} ${operatorText[condition.operator]} ${condition.threshold}`,
      };
    }
  }
}

/*
 * Down: the last `failures` checks all failed. The incident then stays open until every service it
 * names (from the rule, or from an agent's alert) has passed a check since it fired — a service
 * that stopped reporting checks does not count as recovered.
 */
async function judgeDowntime(
  db: Kysely<Database>,
  rule: AlertRow,
  failures: number,
  serviceIds: string[],
  names: Map<string, string>,
  open: AlertIncidentRow | undefined,
): Promise<RuleVerdict> {
  const checks = await recentHealthChecks(db, serviceIds, failures);
  const byService = new Map<string, typeof checks>();
  for (const check of checks) byService.set(check.service_id, [...(byService.get(check.service_id) ?? []), check]);
  const down = [...byService.entries()]
    .filter(([, recent]) => recent.length >= failures && recent.every((check) => !check.is_healthy))
    .map(([id]) => ({ id, name: names.get(id) ?? id }));
  if (down.length > 0) {
    return { state: 'breach', message: `${rule.name}: ${down.map((s) => s.name).join(', ')} failed ${failures} health checks in a row`, services: down };
  }
  if (!open) return { state: 'clear' };
  const named = affectedOf(open);
  const recovered = named.every((service) => {
    const newest = byService.get(service.id)?.[0];
    return newest !== undefined && newest.is_healthy && newest.checked_at > open.fired_at;
  });
  return recovered ? { state: 'clear' } : { state: 'hold' };
}

export function affectedOf(incident: AlertIncidentRow): AffectedService[] {
  const details = incident.details as { services?: AffectedService[] } | null;
  return details?.services ?? [];
}

const round = (value: number) => Math.round(value * 100) / 100;
