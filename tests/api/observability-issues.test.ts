import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from 'kysely';
import { apiResponse, ErrorGroup, IssueActivity, IssueEvent } from '../../contracts/index.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';
import { projectWithServices } from './observability-fixtures.js';

const frame = { filename: 'src/pay.ts', function: 'charge', lineno: 42, in_app: true };
const context = { environment: 'production', release: '1.4.0', tags: {}, extra: {} };

describe('issues and their events', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Record<string, string>;
  let orgId: string;
  let projectId: string;
  let serviceIds: [string, string];
  let issues: Record<'typeError' | 'timeout' | 'ignored', string>;
  let foreignIssueId: string;
  let foreignToken: Record<string, string>;

  const get = (url: string, headers = owner) => api.app.inject({ method: 'GET', url, headers });
  const patch = (issueId: string, payload: object, headers = owner) =>
    api.app.inject({ method: 'PATCH', url: `/api/v1/issues/${issueId}`, headers, payload });
  const listIds = async (query: string) => {
    const response = await get(`/api/v1/projects/${projectId}/issues?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return apiResponse(z.array(ErrorGroup)).parse(response.json());
  };

  beforeAll(async () => {
    api = await startTestApi('observability-issues');
    owner = bearer(api.ownerToken);
    const { db } = api.platform;
    orgId = (await bootstrappedOrganization(db)).id;
    const ours = await projectWithServices(db, orgId, 2);
    projectId = ours.project.id;
    serviceIds = ours.services.map((service) => service.id) as [string, string];
    const group = (serviceId: string, fingerprint: string, values: Record<string, unknown>) =>
      db
        .insertInto('error_groups')
        .values({ service_id: serviceId, fingerprint, title: fingerprint, first_seen_at: '2025-11-01T00:00:00Z', last_seen_at: '2025-11-01T00:00:00Z', ...values })
        .returning('id')
        .executeTakeFirstOrThrow()
        .then((row) => row.id);
    issues = {
      typeError: await group(serviceIds[0], "TypeError: Cannot read properties of undefined (reading 'id')", {
        exception_type: 'TypeError', event_count: 40, user_count: 3, first_seen_at: '2025-11-02T00:00:00Z', last_seen_at: '2025-11-20T00:00:00Z',
      }),
      timeout: await group(serviceIds[1], 'Timeout: 100%_done', {
        exception_type: 'TimeoutError', event_count: 5, user_count: 9, first_seen_at: '2025-11-01T00:00:00Z', last_seen_at: '2025-11-10T00:00:00Z',
      }),
      ignored: await group(serviceIds[0], 'Deprecation warning', { status: 'ignored', event_count: 2, last_seen_at: '2025-11-15T00:00:00Z' }),
    };
    const other = await otherOrganization(db, 'obs-issues-other');
    foreignToken = bearer(other.ownerToken);
    const theirs = await projectWithServices(db, other.org.id, 1);
    foreignIssueId = await group(theirs.services[0]!.id, 'Their bug', {});
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('GET /projects/:id/issues', () => {
    it('lists the most recently seen first, with the total in meta', async () => {
      const { data, meta } = await listIds('');
      expect(data.map((issue) => issue.id)).toEqual([issues.typeError, issues.ignored, issues.timeout]);
      expect(meta).toEqual({ total: 3, page: 1, per_page: 20 });
      expect(data[0]).toMatchObject({ status: 'unresolved', severity: 'medium', event_count: 40, user_count: 3, exception_type: 'TypeError' });
    });

    it('filters by status, service, time and words of the title or type, and sorts by counts', async () => {
      const ids = async (query: string) => (await listIds(query)).data.map((issue) => issue.id);
      expect(await ids('status=ignored')).toEqual([issues.ignored]);
      expect(await ids(`service_id=${serviceIds[1]}`)).toEqual([issues.timeout]);
      expect(await ids('search=timeouterror')).toEqual([issues.timeout]);
      expect(await ids('search=READING')).toEqual([issues.typeError]);
      // LIKE's wildcards are plain characters in a search.
      expect(await ids('search=%25_')).toEqual([issues.timeout]);
      expect(await ids('from=2025-11-12T00:00:00Z')).toEqual([issues.typeError, issues.ignored]);
      expect(await ids('to=2025-11-01T12:00:00Z')).toEqual([issues.ignored, issues.timeout]);
      expect(await ids('sort=user_count')).toEqual([issues.timeout, issues.typeError, issues.ignored]);
      expect(await ids('sort=event_count')).toEqual([issues.typeError, issues.timeout, issues.ignored]);
      expect((await ids('sort=first_seen'))[0]).toBe(issues.typeError);
    });

    it('pages with page and per_page', async () => {
      const second = await listIds('per_page=2&page=2');
      expect(second.data.map((issue) => issue.id)).toEqual([issues.timeout]);
      expect(second.meta).toEqual({ total: 3, page: 2, per_page: 2 });
    });

    it('answers 400 for bad filters and 404 for a project of another organization', async () => {
      for (const query of ['status=open', 'sort=random', 'service_id=nope', 'per_page=1000', 'from=2025-11-02T00:00:00Z&to=2025-11-01T00:00:00Z']) {
        expect((await get(`/api/v1/projects/${projectId}/issues?${query}`)).statusCode, query).toBe(400);
      }
      expect((await get(`/api/v1/projects/${projectId}/issues`, foreignToken)).statusCode).toBe(404);
    });
  });

  it("shows a project token its own project's issues and no other's", async () => {
    const { db } = api.platform;
    const elsewhere = await projectWithServices(db, orgId, 0);
    const ownToken = bearer((await addMember(db, orgId, 'viewer', { projectId })).token);
    const otherToken = bearer((await addMember(db, orgId, 'owner', { projectId: elsewhere.project.id })).token);
    expect((await get(`/api/v1/projects/${projectId}/issues`, ownToken)).json().meta.total).toBe(3);
    expect((await get(`/api/v1/issues/${issues.timeout}`, ownToken)).statusCode).toBe(200);
    expect((await get(`/api/v1/projects/${projectId}/issues`, otherToken)).statusCode).toBe(404);
    expect((await get(`/api/v1/issues/${issues.timeout}`, otherToken)).statusCode).toBe(404);
    expect((await patch(issues.timeout, { status: 'ignored' }, otherToken)).statusCode).toBe(404);
  });

  describe('GET /projects/:id/issues/activity', () => {
    const activity = async (query: string, headers = owner) => {
      const response = await get(`/api/v1/projects/${projectId}/issues/activity?${query}`, headers);
      expect(response.statusCode, response.body).toBe(200);
      return apiResponse(z.array(IssueActivity)).parse(response.json()).data;
    };

    beforeAll(async () => {
      // Stamped by PostgreSQL's clock, which the hours are counted by, so no hour boundary falls between.
      const ago = ['0 hours', '1 hour', '1 hour', '3 hours', '5 hours'];
      await api.platform.db
        .insertInto('error_events')
        .values(
          ago.map((interval) => ({
            error_group_id: issues.timeout,
            stack_trace: JSON.stringify([frame]),
            timestamp: sql<Date>`NOW() - ${interval}::interval`,
          })),
        )
        .execute();
    });

    it("counts each issue's events per hour, oldest first, zeros for an hour or an issue without any", async () => {
      const found = await activity(`issue_ids=${issues.timeout},${issues.typeError}&hours=4`);
      const byId = new Map(found.map((each) => [each.issue_id, each.counts]));
      expect(byId.get(issues.timeout)).toEqual([1, 0, 2, 1]);
      expect(byId.get(issues.typeError)).toEqual([0, 0, 0, 0]);
      expect((await activity(`issue_ids=${issues.timeout}`))[0]!.counts).toHaveLength(24);
      expect((await activity(`issue_ids=${issues.timeout}&hours=6`))[0]!.counts).toEqual([1, 0, 1, 0, 2, 1]);
    });

    it("leaves out another organization's issue, refuses bad lists, and answers 404 across organizations", async () => {
      expect(await activity(`issue_ids=${foreignIssueId}`)).toEqual([]);
      const tooMany = Array.from({ length: 26 }, () => issues.timeout).join(',');
      for (const query of ['', 'issue_ids=', 'issue_ids=nope', `issue_ids=${issues.timeout}&hours=0`, `issue_ids=${issues.timeout}&hours=169`, `issue_ids=${tooMany}`]) {
        expect((await get(`/api/v1/projects/${projectId}/issues/activity?${query}`)).statusCode, query).toBe(400);
      }
      expect((await get(`/api/v1/projects/${projectId}/issues/activity?issue_ids=${issues.timeout}`, foreignToken)).statusCode).toBe(404);
    });
  });

  describe('GET and PATCH /issues/:id', () => {
    it("gets an issue, and answers 404 for another organization's", async () => {
      const response = await get(`/api/v1/issues/${issues.timeout}`);
      expect(apiResponse(ErrorGroup).parse(response.json()).data.title).toBe('Timeout: 100%_done');
      expect((await get(`/api/v1/issues/${foreignIssueId}`)).statusCode).toBe(404);
      expect((await patch(foreignIssueId, { status: 'resolved' })).statusCode).toBe(404);
    });

    it('resolves, reopens and ignores an issue, recording each change in the audit log', async () => {
      const resolved = apiResponse(ErrorGroup).parse((await patch(issues.typeError, { status: 'resolved' })).json()).data;
      expect(resolved.status).toBe('resolved');
      expect(Date.now() - Date.parse(resolved.resolved_at!)).toBeLessThan(60_000);
      const reopened = (await patch(issues.typeError, { status: 'unresolved' })).json().data;
      expect(reopened).toMatchObject({ status: 'unresolved', resolved_at: null });
      const audit = await api.platform.db
        .selectFrom('audit_logs')
        .select(['action', 'details'])
        .where('resource_id', '=', issues.typeError)
        .orderBy('created_at')
        .execute();
      expect(audit.map((entry) => entry.action)).toEqual(['issue.update', 'issue.update']);
      expect(audit[0]!.details).toMatchObject({ changes: { status: 'resolved' }, previous_status: 'unresolved' });
    });

    it('assigns to a member and unassigns, but refuses a user outside the organization with 422', async () => {
      const member = await addMember(api.platform.db, orgId, 'developer');
      expect((await patch(issues.timeout, { assigned_to: member.user.id })).json().data.assigned_to).toBe(member.user.id);
      expect((await patch(issues.timeout, { assigned_to: null })).json().data.assigned_to).toBeNull();
      const outsider = await otherOrganization(api.platform.db, 'obs-issues-outsider');
      const refused = await patch(issues.timeout, { assigned_to: outsider.org.owner_id });
      expect(refused.statusCode).toBe(422);
    });

    it('answers an empty change with the issue as it is', async () => {
      const before = (await get(`/api/v1/issues/${issues.ignored}`)).json().data;
      const response = await patch(issues.ignored, {});
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().data).toEqual(before);
    });

    it('refuses regressed (set only by ingest) with 400, and a viewer with 403', async () => {
      expect((await patch(issues.timeout, { status: 'regressed' })).statusCode).toBe(400);
      const viewer = bearer((await addMember(api.platform.db, orgId, 'viewer')).token);
      expect((await patch(issues.timeout, { status: 'resolved' }, viewer)).statusCode).toBe(403);
      expect((await get(`/api/v1/issues/${issues.timeout}`, viewer)).statusCode).toBe(200);
    });
  });

  describe('GET /issues/:id/events', () => {
    let eventIds: string[];

    beforeAll(async () => {
      // Newest first; two events share a timestamp to the microsecond, which only the id orders.
      const stamps = ['2025-11-20T10:00:00.000003Z', '2025-11-20T10:00:00.000002Z', '2025-11-20T10:00:00.000002Z', '2025-11-19T00:00:00Z', '2025-11-18T00:00:00Z'];
      const rows = await api.platform.db
        .insertInto('error_events')
        .values(
          stamps.map((timestamp, index) => ({
            error_group_id: issues.ignored,
            stack_trace: JSON.stringify([frame]),
            breadcrumbs: JSON.stringify([]),
            context: JSON.stringify(context),
            environment: 'production',
            release: `1.4.${index}`,
            user_id_hash: null,
            timestamp,
          })),
        )
        .returning(['id', 'timestamp'])
        .execute();
      const [first, second, third, ...rest] = rows;
      const tied = [second!, third!].sort((a, b) => (a.id < b.id ? 1 : -1));
      eventIds = [first!, ...tied, ...rest].map((row) => row.id);
    });

    it('lists events newest first, a page at a time, each exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const response = await get(`/api/v1/issues/${issues.ignored}/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(response.statusCode, response.body).toBe(200);
        const page = apiResponse(z.array(IssueEvent)).parse(response.json());
        seen.push(...page.data.map((event) => event.id));
        cursor = page.meta?.cursor;
      } while (cursor);
      expect(seen).toEqual(eventIds);
    });

    it('returns the stack, context and release of each event', async () => {
      const [event] = (await get(`/api/v1/issues/${issues.ignored}/events?limit=1`)).json().data;
      expect(event).toMatchObject({ stack_trace: [frame], context, release: '1.4.0', environment: 'production' });
    });

    it('answers 400 for a cursor of another issue, 404 across organizations', async () => {
      const response = await get(`/api/v1/issues/${issues.timeout}/events?cursor=${eventIds[0]}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.details[0].path).toBe('query.cursor');
      expect((await get(`/api/v1/issues/${issues.ignored}/events?cursor=not-an-event`)).statusCode).toBe(400);
      expect((await get(`/api/v1/issues/${foreignIssueId}/events`)).statusCode).toBe(404);
    });
  });
});
