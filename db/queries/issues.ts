import { type Kysely, sql } from 'kysely';
import type { IssueSort, IssueStatus } from '../../contracts/index.js';
import type { Database, ErrorEventRow, ErrorGroupRow } from '../postgres/database.js';
import { type Page, type PageRequest, pageOffset, type Scope } from './scope.js';
import { serviceInScope } from './service-scope.js';

/*
 * Issues are `error_groups` rows; an issue belongs to the caller when its service's project does.
 * Ingest writes them; these queries read them and apply the changes a person makes.
 */

function issuesIn(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('error_groups')
    .innerJoin('services', 'services.id', 'error_groups.service_id')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .where(serviceInScope(scope));
}

export interface IssueFilter extends PageRequest {
  projectId: string;
  status?: IssueStatus;
  serviceId?: string;
  /** Issues seen in [from, to): last seen at or after `from`, first seen before `to`. */
  from?: Date;
  to?: Date;
  search?: string;
  sort: IssueSort;
}

const sortColumns = {
  last_seen: 'error_groups.last_seen_at',
  first_seen: 'error_groups.first_seen_at',
  event_count: 'error_groups.event_count',
  user_count: 'error_groups.user_count',
} as const;

/** `%` and `_` in a search are letters, not wildcards. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

export async function listIssues(db: Kysely<Database>, scope: Scope, filter: IssueFilter): Promise<Page<ErrorGroupRow>> {
  let query = issuesIn(db, scope).where('projects.id', '=', filter.projectId);
  if (filter.status) query = query.where('error_groups.status', '=', filter.status);
  if (filter.serviceId) query = query.where('error_groups.service_id', '=', filter.serviceId);
  if (filter.from) query = query.where('error_groups.last_seen_at', '>=', filter.from);
  if (filter.to) query = query.where('error_groups.first_seen_at', '<', filter.to);
  if (filter.search) {
    const pattern = likePattern(filter.search);
    query = query.where((eb) =>
      eb.or([eb('error_groups.title', 'ilike', pattern), eb('error_groups.exception_type', 'ilike', pattern)]),
    );
  }
  const [rows, count] = await Promise.all([
    query
      .selectAll('error_groups')
      .orderBy(sortColumns[filter.sort], (order) => order.desc().nullsLast())
      .orderBy('error_groups.id')
      .limit(filter.perPage)
      .offset(pageOffset(filter))
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

export async function issueById(db: Kysely<Database>, scope: Scope, id: string): Promise<ErrorGroupRow | undefined> {
  return issuesIn(db, scope).selectAll('error_groups').where('error_groups.id', '=', id).executeTakeFirst();
}

export interface IssueChange {
  status?: Exclude<IssueStatus, 'regressed'>;
  /** null unassigns. */
  assignedTo?: string | null;
}

/** Resolving stamps `resolved_at` (ingest compares later events' releases with it); any other status clears it. */
export async function updateIssue(db: Kysely<Database>, issue: ErrorGroupRow, change: IssueChange): Promise<ErrorGroupRow> {
  if (change.status === undefined && change.assignedTo === undefined) return issue;
  return db
    .updateTable('error_groups')
    .set({
      ...(change.status === undefined
        ? {}
        : { status: change.status, resolved_at: change.status === 'resolved' ? sql<Date>`NOW()` : null }),
      ...(change.assignedTo === undefined ? {} : { assigned_to: change.assignedTo }),
    })
    .where('id', '=', issue.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface EventPage {
  limit: number;
  /** The last event of the previous page: this page continues after it. */
  after?: string;
}

/**
 * An issue's events, newest first. Pages continue after an event id rather than a timestamp, so
 * microsecond timestamps never pass through a JavaScript Date; the id breaks ties between equal
 * timestamps. Undefined when `after` is not an event of this issue.
 */
export async function issueEvents(
  db: Kysely<Database>,
  issueId: string,
  page: EventPage,
): Promise<{ rows: ErrorEventRow[]; more: boolean } | undefined> {
  let query = db.selectFrom('error_events').selectAll('error_events').where('error_events.error_group_id', '=', issueId);
  if (page.after) {
    const after = page.after;
    const known = await db
      .selectFrom('error_events')
      .select('id')
      .where('id', '=', after)
      .where('error_group_id', '=', issueId)
      .executeTakeFirst();
    if (!known) return undefined;
    const anchorTime = db.selectFrom('error_events as anchor').select('anchor.timestamp').where('anchor.id', '=', after);
    query = query.where((eb) =>
      eb.or([
        eb('error_events.timestamp', '<', anchorTime),
        eb.and([eb('error_events.timestamp', '=', anchorTime), eb('error_events.id', '<', after)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('error_events.timestamp', 'desc')
    .orderBy('error_events.id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return { rows: rows.slice(0, page.limit), more: rows.length > page.limit };
}

/** An issue with the project of its service, whoever asks: for live fan-out, which checked access at subscribe time. */
export async function issueWithProject(db: Kysely<Database>, id: string): Promise<{ issue: ErrorGroupRow; projectId: string } | undefined> {
  const row = await db
    .selectFrom('error_groups')
    .innerJoin('services', 'services.id', 'error_groups.service_id')
    .selectAll('error_groups')
    .select('services.project_id')
    .where('error_groups.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const { project_id: projectId, ...issue } = row;
  return { issue, projectId };
}

/**
 * Events per hour of those of `issueIds` in the project the caller reaches, over the `hours`
 * hours ending with the current one (oldest first). Issues without events in the window get zeros;
 * ids outside the project are left out.
 */
export async function issueActivity(
  db: Kysely<Database>,
  scope: Scope,
  projectId: string,
  issueIds: readonly string[],
  hours: number,
): Promise<{ issueId: string; counts: number[] }[]> {
  const known = await issuesIn(db, scope)
    .select('error_groups.id')
    .where('projects.id', '=', projectId)
    .where('error_groups.id', 'in', issueIds)
    .execute();
  if (known.length === 0) return [];
  const ids = known.map((row) => row.id);
  // Hours are counted from PostgreSQL's clock, so the window and the buckets agree with the rows' timestamps.
  const rows = await db
    .selectFrom('error_events')
    .select([
      'error_group_id',
      sql<number>`(${hours} - 1 - floor(extract(epoch from date_trunc('hour', NOW()) - date_trunc('hour', timestamp)) / 3600))::int`.as('slot'),
      (eb) => eb.fn.countAll<string>().as('events'),
    ])
    .where('error_group_id', 'in', ids)
    .where('timestamp', '>=', sql<Date>`date_trunc('hour', NOW()) - make_interval(hours => ${hours - 1})`)
    .groupBy(['error_group_id', 'slot'])
    .execute();
  const counts = new Map(ids.map((id) => [id, new Array<number>(hours).fill(0)]));
  for (const row of rows) {
    const series = counts.get(row.error_group_id)!;
    // An event stamped in the future (a skewed client clock) counts in the current hour.
    series[Math.min(Math.max(row.slot, 0), hours - 1)]! += Number(row.events);
  }
  return [...counts.entries()].map(([issueId, series]) => ({ issueId, counts: series }));
}
