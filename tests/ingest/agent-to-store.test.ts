import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { postLogLines, startTelemetryAgent } from '../support/telemetry-agent.js';

/*
 * The real agent (OTLP receiver, on-disk spool, sender) against the real gateway and ingest: what
 * the agent answered 2xx for is stored exactly once, also when the control plane is away for a
 * while in between. The app is played by plain OTLP/HTTP JSON requests.
 */
describe('from the agent\'s receiver to the stores', () => {
  const log = pino({ level: 'warn' });
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let port: number;
  let serviceId: string;
  let agent: Awaited<ReturnType<typeof startTelemetryAgent>>;
  const deploymentId = randomUUID();

  beforeAll(async () => {
    api = await startTestApi('agent-to-store');
    port = Number(new URL(await api.app.listen({ port: 0, host: '127.0.0.1' })).port);
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const { server, token } = await createServer(db, orgId, 'agent-to-store');
    const project = await createProject(db, orgId, 'agent-to-store');
    serviceId = (
      await db.insertInto('services').values({ project_id: project.id, server_id: server.id, name: 'app', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    agent = await startTelemetryAgent({ db, url: `http://127.0.0.1:${port}`, serverId: server.id, token, label: 'agent-to-store' });
  });
  afterAll(async () => {
    await agent?.stop();
    await api?.close();
  });

  const sendLogLines = async (markers: string[]) => {
    for (const marker of markers) {
      const response = await postLogLines(agent.telemetry.receiver.origin, { serviceId, deploymentId }, [marker]);
      expect(response.status).toBe(200);
    }
  };
  const storedLines = async () => {
    const result = await api.platform.clickhouse.client.query({
      query: 'SELECT message, count() AS copies FROM logs WHERE service_id = {serviceId:UUID} GROUP BY message ORDER BY message',
      query_params: { serviceId },
      format: 'JSONEachRow',
    });
    return (await result.json<{ message: string; copies: number | string }>()).map((row) => `${row.message}×${row.copies}`);
  };
  const expected = (markers: string[]) => [...markers].sort().map((marker) => `${marker}×1`);

  it("fills the contract's HTTP columns from an OTLP/JSON span named by current semantic conventions", async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const response = await fetch(new URL('/v1/traces', agent.telemetry.receiver.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: {
              attributes: [
                { key: 'syntra.service_id', value: { stringValue: serviceId } },
                { key: 'syntra.deployment_id', value: { stringValue: deploymentId } },
              ],
            },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId,
                    spanId: traceId.slice(0, 16),
                    name: 'POST /orders',
                    kind: 2,
                    startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                    endTimeUnixNano: String(BigInt(Date.now() + 5) * 1_000_000n),
                    attributes: [
                      { key: 'http.request.method', value: { stringValue: 'POST' } },
                      { key: 'http.response.status_code', value: { intValue: '201' } },
                      { key: 'http.route', value: { stringValue: '/orders' } },
                      { key: 'url.path', value: { stringValue: '/orders' } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const httpColumns = async () => {
      const result = await api.platform.clickhouse.client.query({
        query: 'SELECT http_method, http_status_code, http_route FROM traces WHERE trace_id = {traceId:String}',
        query_params: { traceId },
        format: 'JSONEachRow',
      });
      return result.json();
    };
    await expect.poll(httpColumns, { timeout: 30_000, interval: 500 }).toEqual([{ http_method: 'POST', http_status_code: 201, http_route: '/orders' }]);
  });

  it('stores every line the agent accepted exactly once, across a control-plane outage', async () => {
    const before = Array.from({ length: 10 }, (_, index) => `before-${String(index).padStart(2, '0')}`);
    await sendLogLines(before);
    await expect.poll(storedLines, { timeout: 30_000, interval: 500 }).toEqual(expected(before));

    await api.app.close();
    const during = Array.from({ length: 10 }, (_, index) => `during-${String(index).padStart(2, '0')}`);
    await sendLogLines(during);
    // Longer than a batch interval: the agent seals and tries to send while nobody listens.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    api.app = await buildApi(api.platform, log);
    await api.app.listen({ port, host: '127.0.0.1' });

    await expect.poll(storedLines, { timeout: 30_000, interval: 500 }).toEqual(expected([...before, ...during]));
  });
});
