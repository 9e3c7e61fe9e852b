import type { FastifyPluginAsync } from 'fastify';
import { issueActivity, issueById, issueEvents, listIssues, updateIssue } from '../../../../db/queries/issues.js';
import { memberById } from '../../../../db/queries/members.js';
import { projectById } from '../../../../db/queries/projects.js';
import { recordAudit } from '../../../../control/audit.js';
import { scopeOf } from '../../../../control/caller.js';
import { ApiProblem } from '../../../../control/problem.js';
import type { Platform } from '../../../../control/platform.js';
import { defineRoute, registryRoute, WithMeta } from '../../routing.js';
import { issueEventResource, issueResource } from '../../../../control/resources/issue.js';
import { invalidQuery, timeRange } from './time-range.js';

const notFound = (issueId: string) => new ApiProblem('NOT_FOUND', `No issue ${issueId} in this organization`);

/** Issues (error groups) and their events, from PostgreSQL. */
export const issueRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;

  defineRoute(app, registryRoute('listIssues'), { permission: 'read' }, async ({ params, query, caller }) => {
    const scope = scopeOf(caller);
    if (!(await projectById(db, scope, params.projectId))) {
      throw new ApiProblem('NOT_FOUND', `No project ${params.projectId} in this organization`);
    }
    const page = await listIssues(db, scope, {
      projectId: params.projectId,
      page: query.page,
      perPage: query.per_page,
      status: query.status,
      serviceId: query.service_id,
      search: query.search,
      sort: query.sort,
      ...timeRange(query),
    });
    return new WithMeta(page.rows.map(issueResource), { total: page.total, page: query.page, per_page: query.per_page });
  });

  defineRoute(app, registryRoute('listIssueActivity'), { permission: 'read' }, async ({ params, query, caller }) => {
    const scope = scopeOf(caller);
    if (!(await projectById(db, scope, params.projectId))) {
      throw new ApiProblem('NOT_FOUND', `No project ${params.projectId} in this organization`);
    }
    const activity = await issueActivity(db, scope, params.projectId, query.issue_ids, query.hours);
    return activity.map(({ issueId, counts }) => ({ issue_id: issueId, counts }));
  });

  defineRoute(app, registryRoute('getIssue'), { permission: 'read' }, async ({ params, caller }) => {
    const issue = await issueById(db, scopeOf(caller), params.issueId);
    if (!issue) throw notFound(params.issueId);
    return issueResource(issue);
  });

  defineRoute(app, registryRoute('updateIssue'), { permission: 'issues.manage' }, async ({ params, body, caller, request }) => {
    if (body.assigned_to && !(await memberById(db, caller.orgId, body.assigned_to))) {
      throw new ApiProblem('UNPROCESSABLE', `User ${body.assigned_to} is not a member of this organization, so cannot be assigned`, {
        details: [{ path: 'body.assigned_to', message: 'not a member of this organization' }],
      });
    }
    const updated = await db.transaction().execute(async (trx) => {
      const issue = await issueById(trx, scopeOf(caller), params.issueId);
      if (!issue) throw notFound(params.issueId);
      const row = await updateIssue(trx, issue, { status: body.status, assignedTo: body.assigned_to });
      await recordAudit(trx, request, caller, {
        action: 'issue.update',
        resourceType: 'issue',
        resourceId: issue.id,
        details: { changes: body, previous_status: issue.status },
      });
      return row;
    });
    return issueResource(updated);
  });

  defineRoute(app, registryRoute('listIssueEvents'), { permission: 'read' }, async ({ params, query, caller }) => {
    const issue = await issueById(db, scopeOf(caller), params.issueId);
    if (!issue) throw notFound(params.issueId);
    const page = await issueEvents(db, issue.id, { limit: query.limit, after: query.cursor });
    if (!page) throw invalidQuery({ path: 'query.cursor', message: 'not a cursor of this issue' });
    const last = page.rows.at(-1);
    return new WithMeta(page.rows.map(issueEventResource), page.more && last ? { cursor: last.id } : {});
  });
};
