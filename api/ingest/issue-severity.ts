import type { Transaction } from 'kysely';
import { moreSevere, type ErrorEvent, type IssueSeverity } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';
import { countIssueEventsBetween, setIssueSeverity, type RecordedIssue } from '../../db/queries/error-groups.js';

/*
 * How bad an issue is, decided at ingest (docs/architecture.md, "Errors → issues"). Two things
 * raise it: what one event says (a crash, an exception nobody caught, or a mere warning), and how
 * far the issue has spread (distinct users, events in an hour). An issue keeps the worst it has
 * been: a spike that is over leaves it where the spike put it.
 */

/** Events at these levels (the SDK's `level`) are notes, not failures. */
const noteLevels: ReadonlySet<string> = new Set(['warning', 'info', 'log', 'debug']);

/** Distinct users hit (`user_count`) from which an issue is high, then critical. */
export const highSeverityUsersAffected = 10;
export const criticalSeverityUsersAffected = 100;

/** Events within one hour (the hour before the issue's latest event) from which an issue is high, then critical. */
export const highSeverityEventsPerHour = 100;
export const criticalSeverityEventsPerHour = 1_000;
const eventRateWindowMs = 60 * 60 * 1000;

/**
 * One event's say: `fatal` (the process died: Sentry's uncaught-exception handler sends this
 * level) is critical; an exception that reached no handler (`mechanism.handled: false`, such as an
 * unhandled rejection) is high; a warning, info or debug message is low; any other error is medium.
 * The agent carries Sentry's level and mechanism in `context.extra` (docs/contract-corrections.md).
 */
export function eventSeverity(event: ErrorEvent): IssueSeverity {
  const { level, mechanism } = event.context.extra;
  if (level === 'fatal') return 'critical';
  if (isUnhandled(mechanism)) return 'high';
  if (typeof level === 'string' && noteLevels.has(level)) return 'low';
  return 'medium';
}

function isUnhandled(mechanism: unknown): boolean {
  return typeof mechanism === 'object' && mechanism !== null && (mechanism as { handled?: unknown }).handled === false;
}

export function spreadSeverity(usersAffected: number, eventsPerHour: number): IssueSeverity {
  if (usersAffected >= criticalSeverityUsersAffected || eventsPerHour >= criticalSeverityEventsPerHour) return 'critical';
  if (usersAffected >= highSeverityUsersAffected || eventsPerHour >= highSeverityEventsPerHour) return 'high';
  return 'low';
}

/**
 * Raises each issue that just got events to what its spread now says, in the transaction that
 * recorded them (their own severities are already in: `recordErrorEvents`). Events are counted in
 * the hour before the issue's latest new one, not before now, so a backlog an agent sends late
 * is rated by how dense it was when it happened.
 */
export async function rateIssues(trx: Transaction<Database>, issues: readonly RecordedIssue[]): Promise<void> {
  for (const issue of issues) {
    if (issue.severity === 'critical') continue;
    const until = new Date(issue.lastSeen);
    const eventsPerHour = await countIssueEventsBetween(trx, issue.id, new Date(until.getTime() - eventRateWindowMs), until, criticalSeverityEventsPerHour);
    const severity = moreSevere(issue.severity, spreadSeverity(issue.userCount, eventsPerHour));
    if (severity !== issue.severity) await setIssueSeverity(trx, issue.id, severity);
  }
}
