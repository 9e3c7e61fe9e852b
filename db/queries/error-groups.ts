import { type Kysely, sql, type Transaction } from 'kysely';
import { moreSevere, type ErrorEvent, type IssueSeverity, type IssueStatus } from '../../contracts/index.js';
import type { Database } from '../postgres/database.js';

/** An incoming error with what ingest decided about it. */
export interface GroupedErrorEvent {
  event: ErrorEvent;
  fingerprint: string;
  title: string;
  /** The event's deployment when it is one of its service's; null otherwise. */
  deploymentId: string | null;
  userIdHash: string | null;
  /** What this event alone says of its issue's severity (api/ingest/issue-severity.ts). */
  severity: IssueSeverity;
}

/** An issue that got new events, as it stands once they are recorded. */
export interface RecordedIssue {
  id: string;
  severity: IssueSeverity;
  userCount: number;
  /** The latest of its new events. */
  lastSeen: string;
}

interface GroupTally {
  serviceId: string;
  fingerprint: string;
  title: string;
  type: string;
  firstSeen: string;
  lastSeen: string;
  severity: IssueSeverity;
  events: GroupedErrorEvent[];
}

const rowsPerInsert = 1_000;

/** `error_events.release` is VARCHAR(100); comparisons use the same cut. Empty means unknown. */
const storedRelease = (event: ErrorEvent) => event.context.release.slice(0, 100) || null;

/**
 * Writes a batch's errors: every new event into `error_events` (keyed by the event's own id, so a
 * resent event is stored once), its issue upserted with the counts of the new events only, its
 * distinct users counted, its severity raised to its most severe event's, and resolved issues that
 * see a newer release again marked `regressed`. Issues are upserted in (service, fingerprint)
 * order, so two batches touching the same issues lock them in the same order and never deadlock.
 */
export async function recordErrorEvents(trx: Transaction<Database>, grouped: readonly GroupedErrorEvent[]): Promise<RecordedIssue[]> {
  const fresh = await withoutStoredEvents(trx, grouped);
  if (fresh.length === 0) return [];
  const tallies = tally(fresh);
  const issues = await upsertIssues(trx, tallies);
  await markRegressions(trx, tallies, issues);
  const issueStates = tallies.map((group) => issues.get(groupKey(group.serviceId, group.fingerprint))!);
  const issueIds = issueStates.map((issue) => issue.id);
  await insertEvents(trx, tallies, issueIds);
  const newUsers = await countUsers(trx, tallies, issueIds);
  return issueStates.map((issue, index) => ({
    id: issue.id,
    severity: issue.severity ?? tallies[index]!.severity,
    userCount: (issue.user_count ?? 0) + (newUsers.get(issue.id) ?? 0),
    lastSeen: tallies[index]!.lastSeen,
  }));
}

/** How many of an issue's events happened in (from, to], counted up to `atMost` (the index on (issue, time) reads no further). */
export async function countIssueEventsBetween(db: Kysely<Database>, issueId: string, from: Date, to: Date, atMost: number): Promise<number> {
  const row = await db
    .selectFrom((select) =>
      select
        .selectFrom('error_events')
        .select('id')
        .where('error_group_id', '=', issueId)
        .where('timestamp', '>', from)
        .where('timestamp', '<=', to)
        .limit(atMost)
        .as('recent'),
    )
    .select((select) => select.fn.countAll<string>().as('events'))
    .executeTakeFirstOrThrow();
  return Number(row.events);
}

export async function setIssueSeverity(db: Kysely<Database>, issueId: string, severity: IssueSeverity): Promise<void> {
  await db.updateTable('error_groups').set({ severity }).where('id', '=', issueId).execute();
}

function groupKey(serviceId: string, fingerprint: string): string {
  return `${serviceId}/${fingerprint}`;
}

async function withoutStoredEvents(trx: Transaction<Database>, grouped: readonly GroupedErrorEvent[]): Promise<GroupedErrorEvent[]> {
  const unique = new Map(grouped.map((item) => [item.event.id, item]));
  const ids = [...unique.keys()];
  for (let start = 0; start < ids.length; start += rowsPerInsert) {
    const stored = await trx.selectFrom('error_events').select('id').where('id', 'in', ids.slice(start, start + rowsPerInsert)).execute();
    for (const row of stored) unique.delete(row.id);
  }
  return [...unique.values()];
}

function tally(events: readonly GroupedErrorEvent[]): GroupTally[] {
  const groups = new Map<string, GroupTally>();
  for (const item of events) {
    const key = groupKey(item.event.service_id, item.fingerprint);
    const time = item.event.timestamp;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        serviceId: item.event.service_id,
        fingerprint: item.fingerprint,
        title: item.title,
        type: item.event.type,
        firstSeen: time,
        lastSeen: time,
        severity: item.severity,
        events: [item],
      });
      continue;
    }
    group.events.push(item);
    group.severity = moreSevere(group.severity, item.severity);
    if (Date.parse(time) < Date.parse(group.firstSeen)) group.firstSeen = time;
    if (Date.parse(time) > Date.parse(group.lastSeen)) group.lastSeen = time;
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}

interface IssueState {
  id: string;
  status: IssueStatus | null;
  resolved_at: Date | null;
  severity: IssueSeverity | null;
  user_count: number | null;
}

async function upsertIssues(trx: Transaction<Database>, tallies: readonly GroupTally[]): Promise<Map<string, IssueState>> {
  const issues = new Map<string, IssueState>();
  for (let start = 0; start < tallies.length; start += rowsPerInsert) {
    const rows = await trx
      .insertInto('error_groups')
      .values(
        tallies.slice(start, start + rowsPerInsert).map((group) => ({
          service_id: group.serviceId,
          fingerprint: group.fingerprint,
          title: group.title,
          exception_type: group.type.slice(0, 255),
          first_seen_at: group.firstSeen,
          last_seen_at: group.lastSeen,
          event_count: String(group.events.length),
          severity: group.severity,
        })),
      )
      .onConflict((conflict) =>
        conflict.columns(['service_id', 'fingerprint']).doUpdateSet({
          first_seen_at: sql<Date>`LEAST(error_groups.first_seen_at, excluded.first_seen_at)`,
          last_seen_at: sql<Date>`GREATEST(error_groups.last_seen_at, excluded.last_seen_at)`,
          event_count: sql<string>`COALESCE(error_groups.event_count, 0) + excluded.event_count`,
          // issue_severity is declared worst first, so the least of the two is the more severe; LEAST skips a NULL.
          severity: sql<IssueSeverity>`LEAST(error_groups.severity, excluded.severity)`,
        }),
      )
      .returning(['id', 'service_id', 'fingerprint', 'status', 'resolved_at', 'severity', 'user_count'])
      .execute();
    for (const row of rows) issues.set(groupKey(row.service_id, row.fingerprint), row);
  }
  return issues;
}

/*
 * A resolved issue regresses when it is seen after its resolution from a release it had not been
 * seen in before: an old instance still running the buggy release keeps it resolved, a new
 * release with the bug back does not. An event without a release cannot be told apart, so it
 * regresses the issue, as Sentry does. Ignored issues are left as they are.
 */
async function markRegressions(trx: Transaction<Database>, tallies: readonly GroupTally[], issues: Map<string, IssueState>): Promise<void> {
  for (const group of tallies) {
    const issue = issues.get(groupKey(group.serviceId, group.fingerprint))!;
    if (issue.status !== 'resolved' || issue.resolved_at === null) continue;
    const resolvedAt = issue.resolved_at.getTime();
    const later = group.events.filter((item) => Date.parse(item.event.timestamp) > resolvedAt);
    if (later.length === 0) continue;
    const known = await releasesBefore(trx, issue.id, issue.resolved_at);
    if (!later.some((item) => storedRelease(item.event) === null || !known.has(storedRelease(item.event)!))) continue;
    await trx.updateTable('error_groups').set({ status: 'regressed', resolved_at: null }).where('id', '=', issue.id).execute();
  }
}

async function releasesBefore(db: Kysely<Database>, issueId: string, until: Date): Promise<Set<string>> {
  const rows = await db
    .selectFrom('error_events')
    .select('release')
    .distinct()
    .where('error_group_id', '=', issueId)
    .where('timestamp', '<=', until)
    .where('release', 'is not', null)
    .execute();
  return new Set(rows.map((row) => row.release!));
}

async function insertEvents(trx: Transaction<Database>, tallies: readonly GroupTally[], issueIds: readonly string[]): Promise<void> {
  const rows = tallies.flatMap((group, index) =>
    group.events.map(({ event, deploymentId, userIdHash }) => {
      // The user is kept only as its hash (user_id_hash); the rest of the context as sent.
      const { user: _user, ...context } = event.context;
      return {
        id: event.id,
        error_group_id: issueIds[index]!,
        deployment_id: deploymentId,
        stack_trace: JSON.stringify(event.stack_trace),
        breadcrumbs: JSON.stringify(event.breadcrumbs),
        context: JSON.stringify(context),
        environment: event.context.environment.slice(0, 50) || null,
        release: storedRelease(event),
        user_id_hash: userIdHash,
        timestamp: event.timestamp,
      };
    }),
  );
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    await trx
      .insertInto('error_events')
      .values(rows.slice(start, start + rowsPerInsert))
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute();
  }
}

/** Adds each issue's users not seen before to its `user_count`; answers how many each one gained. */
async function countUsers(trx: Transaction<Database>, tallies: readonly GroupTally[], issueIds: readonly string[]): Promise<Map<string, number>> {
  const pairs = new Map<string, { error_group_id: string; user_id_hash: string }>();
  tallies.forEach((group, index) => {
    for (const { userIdHash } of group.events) {
      if (userIdHash !== null) pairs.set(`${issueIds[index]}/${userIdHash}`, { error_group_id: issueIds[index]!, user_id_hash: userIdHash });
    }
  });
  const added = new Map<string, number>();
  const values = [...pairs.values()];
  for (let start = 0; start < values.length; start += rowsPerInsert) {
    const rows = await trx
      .insertInto('error_group_users')
      .values(values.slice(start, start + rowsPerInsert))
      .onConflict((conflict) => conflict.columns(['error_group_id', 'user_id_hash']).doNothing())
      .returning('error_group_id')
      .execute();
    for (const row of rows) added.set(row.error_group_id, (added.get(row.error_group_id) ?? 0) + 1);
  }
  for (const id of issueIds) {
    const count = added.get(id);
    if (count === undefined) continue;
    await trx
      .updateTable('error_groups')
      .set({ user_count: sql<number>`COALESCE(user_count, 0) + ${count}` })
      .where('id', '=', id)
      .execute();
  }
  return added;
}
