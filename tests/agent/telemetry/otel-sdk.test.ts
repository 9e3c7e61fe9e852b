import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spooledData, testReceiver } from './support.js';

const otelApp = fileURLToPath(new URL('./fixtures/otel-app.mjs', import.meta.url));
const SERVICE_ID = randomUUID();
const DEPLOYMENT_ID = randomUUID();

let receiver: Awaited<ReturnType<typeof testReceiver>>;
beforeAll(async () => {
  receiver = await testReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

describe('the stock OpenTelemetry SDK', () => {
  it('reports a whole trace and its logs through the OTLP receiver, gzip-compressed, with only the agent-injected variables', async () => {
    // What the agent gives every container it deploys (agent-telemetry.ts containerEnv), plus compression.
    const env = {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.receiver.origin.origin,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_SERVICE_NAME: 'shop',
      OTEL_RESOURCE_ATTRIBUTES: `syntra.service_id=${SERVICE_ID},syntra.deployment_id=${DEPLOYMENT_ID}`,
    };
    await promisify(execFile)(process.execPath, [otelApp], { env, timeout: 30_000 });

    const data = await spooledData(receiver.spool);
    const root = data.traces.find((span) => span.operation_name === 'GET /checkout');
    const query = data.traces.find((span) => span.operation_name === 'SELECT orders');
    expect(root).toMatchObject({ service_id: SERVICE_ID, deployment_id: DEPLOYMENT_ID, span_kind: 'server', status: { code: 'unset' } });
    // Current semantic-convention names pass as the SDK set them, an int staying a number.
    expect(root?.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.route': '/checkout', 'http.response.status_code': 500, 'url.path': '/checkout', 'server.port': 8080 });
    expect(root).not.toHaveProperty('parent_span_id');
    expect(query).toMatchObject({
      trace_id: root?.trace_id,
      parent_span_id: root?.span_id,
      span_kind: 'client',
      status: { code: 'error', message: 'deadlock detected' },
      events: [expect.objectContaining({ name: 'exception', attributes: expect.objectContaining({ 'exception.message': 'deadlock detected' }) })],
    });
    expect(data.logs).toEqual([
      expect.objectContaining({
        service_id: SERVICE_ID,
        deployment_id: DEPLOYMENT_ID,
        level: 'error',
        message: 'checkout failed',
        attributes: { order: 17 },
        trace_id: query?.trace_id,
        span_id: query?.span_id,
        source: 'sdk',
      }),
    ]);
  });
});
