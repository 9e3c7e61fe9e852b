import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentryDsn } from '../../agent/telemetry/dsn.js';
import { hashToken } from '../../contracts/tokens.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { rememberService, startTelemetryAgent } from '../support/telemetry-agent.js';

const run = promisify(execFile);
const checkoutApp = fileURLToPath(new URL('./fixtures/checkout-app.mjs', import.meta.url));
const crashApp = fileURLToPath(new URL('./fixtures/crash-app.mjs', import.meta.url));
const otelApp = fileURLToPath(new URL('../agent/telemetry/fixtures/otel-app.mjs', import.meta.url));

/*
 * End to end, as a user meets it: unmodified apps (the stock @sentry/node and OpenTelemetry SDKs,
 * configured only by the variables the agent gives its containers) report to a real agent, which
 * spools and sends to the real control plane; what they reported is then read back through the
 * REST API.
 */
describe('from stock SDKs through the agent to the API', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let agent: Awaited<ReturnType<typeof startTelemetryAgent>>;
  let serviceId: string;
  let projectId: string;
  let dsn: string;
  const deploymentId = randomUUID();

  beforeAll(async () => {
    api = await startTestApi('sdk-to-api');
    const url = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const { server, token } = await createServer(db, orgId, 'sdk-to-api');
    const project = await createProject(db, orgId, 'shop');
    projectId = project.id;
    serviceId = (
      await db.insertInto('services').values({ project_id: project.id, server_id: server.id, name: 'shop', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    agent = await startTelemetryAgent({ db, url, serverId: server.id, token, label: 'sdk-to-api' });
    await rememberService(agent.services, { serviceId, deploymentId, projectName: project.slug });
    dsn = sentryDsn(hashToken(token), serviceId, agent.telemetry.receiver.origin);
  });

  afterAll(async () => {
    await agent?.stop();
    await api?.close();
  });

  const get = async (url: string) => {
    const response = await api.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: bearer(api.ownerToken) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().data;
  };

  it('groups the same bug with different ids in its message into one issue, with its event and user counts', async () => {
    await run(process.execPath, [checkoutApp], {
      env: { ...process.env, SENTRY_DSN: dsn, ORDERS: '1017,2044,3051,4099', USERS: 'ada,grace,ada,linus' },
      timeout: 30_000,
    });
    const issues = async () => (await get(`/projects/${projectId}/issues`)) as { title: string; event_count: number; user_count: number; exception_type: string }[];
    await expect.poll(async () => (await issues()).length, { timeout: 45_000, interval: 500 }).toBe(2);
    const byType = Object.fromEntries((await issues()).map((issue) => [issue.exception_type, issue]));
    // Caught and reported (captureException), by few users: the middle of the scale.
    expect(byType.Error).toMatchObject({ event_count: 4, user_count: 3, severity: 'medium', ai_analysis: null });
    expect(byType.Error!.title).toContain('card declined for order');
    // Sentry keeps the last user on the scope: linus hit this one too.
    expect(byType.TypeError).toMatchObject({ event_count: 1, user_count: 1 });
  }, 90_000);

  it('rates the crash of an app critical', async () => {
    // Sentry's handler reports the uncaught exception, then exits the process with code 1.
    await expect(run(process.execPath, [crashApp], { env: { ...process.env, SENTRY_DSN: dsn }, timeout: 30_000 })).rejects.toMatchObject({ code: 1 });
    const crash = async () => ((await get(`/projects/${projectId}/issues`)) as { exception_type: string; severity: string }[]).find((issue) => issue.exception_type === 'RangeError');
    await expect.poll(crash, { timeout: 45_000, interval: 500 }).toMatchObject({ severity: 'critical', event_count: 1 });
  }, 90_000);

  it('stores an OpenTelemetry trace whole, with parent links and the failing span marked, and its logs searchable', async () => {
    await run(process.execPath, [otelApp], {
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: agent.telemetry.receiver.origin.origin,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_SERVICE_NAME: 'shop',
        OTEL_RESOURCE_ATTRIBUTES: `syntra.service_id=${serviceId},syntra.deployment_id=${deploymentId}`,
      },
      timeout: 30_000,
    });
    const traces = async () => (await get(`/services/${serviceId}/traces`)) as { trace_id: string; root_operation: string; error_count: number }[];
    await expect.poll(async () => (await traces()).length, { timeout: 45_000, interval: 500 }).toBe(1);
    const [summary] = await traces();
    expect(summary).toMatchObject({ root_operation: 'GET /checkout', error_count: 1 });

    const trace = (await get(`/traces/${summary!.trace_id}`)) as { spans: { span_id: string; parent_span_id?: string | null; operation_name: string; status: { code: string } }[] };
    const root = trace.spans.find((span) => span.operation_name === 'GET /checkout')!;
    const query = trace.spans.find((span) => span.operation_name === 'SELECT orders')!;
    expect(trace.spans).toHaveLength(2);
    expect(query.parent_span_id).toBe(root.span_id);
    expect(query.status.code).toBe('error');
    // The app names its HTTP attributes by today's semantic conventions; the contract's HTTP columns read them.
    const httpColumns = await api.platform.clickhouse.client.query({
      query: 'SELECT http_method, http_status_code, http_route FROM traces WHERE trace_id = {traceId:String} AND span_id = {spanId:String}',
      query_params: { traceId: summary!.trace_id, spanId: root.span_id },
      format: 'JSONEachRow',
    });
    expect(await httpColumns.json()).toEqual([{ http_method: 'GET', http_status_code: 500, http_route: '/checkout' }]);

    await expect
      .poll(async () => ((await get(`/services/${serviceId}/logs?search=checkout`)) as { message: string }[]).map((line) => line.message), { timeout: 45_000, interval: 500 })
      .toContain('checkout failed');
  }, 90_000);
});
