import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { criticalSeverityEventsPerHour, criticalSeverityUsersAffected, highSeverityEventsPerHour, highSeverityUsersAffected } from '../../api/ingest/issue-severity.js';
import type { ErrorEvent } from '../../contracts/index.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { errorEvent, paymentStack } from './error-events.js';
import { sendBatch, zstdBatch } from './telemetry-batches.js';

const hourMs = 3_600_000;

/*
 * Severity as the issue list shows it, after error events travelled the real path: a fake agent
 * on the real gateway, ingest, PostgreSQL, the REST API.
 */
describe('issue severity', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let agent: FakeAgent;
  let serverId: string;
  let projectId: string;
  let serviceId: string;
  let deploymentId: string;

  beforeAll(async () => {
    api = await startTestApi('issue-severity');
    const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const { server, token } = await createServer(db, orgId, 'severity-host');
    serverId = server.id;
    projectId = (await createProject(db, orgId, 'severity')).id;
    serviceId = (
      await db.insertInto('services').values({ project_id: projectId, server_id: serverId, name: 'checkout', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    deploymentId = (await db.insertInto('deployments').values({ service_id: serviceId }).returning('id').executeTakeFirstOrThrow()).id;
    agent = await FakeAgent.connect(baseUrl, token, serverId);
    await agent.hello();
  });
  afterAll(async () => {
    await agent?.close();
    await api?.close();
  });

  /** An event as the agent maps a Sentry event: the SDK's level and mechanism in `context.extra`. */
  const event = (group: string, extra: Record<string, unknown> = { level: 'error', mechanism: { type: 'generic', handled: true } }, overrides: Partial<ErrorEvent> & { userId?: string } = {}) => {
    const base = errorEvent(serviceId, deploymentId, { fingerprint: [group], ...overrides });
    return { ...base, context: { ...base.context, extra } };
  };
  const send = async (errors: ErrorEvent[]) => {
    const batch = zstdBatch(serverId, { errors });
    expect(await sendBatch(agent, batch)).toEqual({ batch_id: batch.batch_id, accepted: true });
  };
  const severityOf = async (group: string): Promise<string> => {
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/issues`, headers: bearer(api.ownerToken) });
    expect(response.statusCode, response.body).toBe(200);
    const issues = response.json().data as { severity: string; title: string }[];
    const issue = issues.find((candidate) => candidate.title === `${group}: ${group}`);
    if (!issue) throw new Error(`no issue ${group}`);
    return issue.severity;
  };
  // Each group has its own type and message, so its title finds it.
  const titled = (group: string) => ({ type: group, message: group });

  it('rates a caught error medium, a warning low, an unhandled rejection high and a crash critical', async () => {
    await send([
      event('CaughtError', undefined, titled('CaughtError')),
      event('SlowQueryWarning', { level: 'warning' }, { ...titled('SlowQueryWarning'), stack_trace: [] }),
      event('RejectionError', { level: 'error', mechanism: { type: 'auto.node.onunhandledrejection', handled: false } }, { ...titled('RejectionError'), stack_trace: paymentStack() }),
      event('CrashError', { level: 'fatal', mechanism: { type: 'auto.node.onuncaughtexception', handled: false } }, titled('CrashError')),
      // No level nor mechanism (another SDK): an error like any other.
      event('PlainError', {}, titled('PlainError')),
    ]);
    expect(await severityOf('CaughtError')).toBe('medium');
    expect(await severityOf('SlowQueryWarning')).toBe('low');
    expect(await severityOf('RejectionError')).toBe('high');
    expect(await severityOf('CrashError')).toBe('critical');
    expect(await severityOf('PlainError')).toBe('medium');
  });

  it("raises a grouped issue's severity as it reaches more users, and never lowers it", async () => {
    const hits = (count: number, first: number) =>
      Array.from({ length: count }, (_, index) => event('SpreadError', undefined, { ...titled('SpreadError'), userId: `user-${first + index}` }));
    await send(hits(highSeverityUsersAffected - 1, 0));
    expect(await severityOf('SpreadError')).toBe('medium');
    await send(hits(1, highSeverityUsersAffected - 1));
    expect(await severityOf('SpreadError')).toBe('high');
    await send(hits(criticalSeverityUsersAffected - highSeverityUsersAffected, highSeverityUsersAffected));
    expect(await severityOf('SpreadError')).toBe('critical');
    // A warning-level occurrence later does not undo what the spread showed.
    await send([event('SpreadError', { level: 'warning' }, titled('SpreadError'))]);
    expect(await severityOf('SpreadError')).toBe('critical');
  });

  it('counts events per hour in the hour they happened: a late backlog spread over days stays medium, a burst is high, then critical', async () => {
    const now = Date.now();
    const at = (millis: number) => event('BurstError', undefined, { ...titled('BurstError'), timestamp: new Date(millis).toISOString() });
    // As many events as make a burst high, but one an hour, reported days later.
    await send(Array.from({ length: highSeverityEventsPerHour }, (_, index) => at(now - (index + 2) * hourMs)));
    expect(await severityOf('BurstError')).toBe('medium');
    await send(Array.from({ length: highSeverityEventsPerHour }, (_, index) => at(now - index * 1000)));
    expect(await severityOf('BurstError')).toBe('high');
    // With the burst's hour, the events of this hour reach the critical rate.
    await send(Array.from({ length: criticalSeverityEventsPerHour - highSeverityEventsPerHour }, (_, index) => at(now - index)));
    expect(await severityOf('BurstError')).toBe('critical');
  });

  it('leaves ai_analysis empty: severity is computed at ingest, not by a model', async () => {
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/issues`, headers: bearer(api.ownerToken) });
    expect((response.json().data as { ai_analysis: unknown }[]).every((issue) => issue.ai_analysis === null)).toBe(true);
  });
});
