import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentryDsn, sentryKey } from '../../../agent/telemetry/dsn.js';
import { rememberService } from '../../support/telemetry-agent.js';
import { decodeBatch, spooledData, testReceiver } from './support.js';

const TOKEN_HASH = 'a1'.repeat(32);
const SERVICE_ID = randomUUID();
const DEPLOYMENT_ID = randomUUID();
const sentryApp = fileURLToPath(new URL('./fixtures/sentry-app.mjs', import.meta.url));

let receiver: Awaited<ReturnType<typeof testReceiver>>;

beforeAll(async () => {
  receiver = await testReceiver({ agentTokenHash: TOKEN_HASH });
  // The service as the agent knows it after a deploy: Sentry keys are accepted for known services only.
  await rememberService(receiver.services, { serviceId: SERVICE_ID, deploymentId: DEPLOYMENT_ID, projectName: 'sentry-ingest-test' });
});
afterAll(async () => {
  await receiver?.close();
});

function envelope(event: Record<string, unknown>): string {
  return `${JSON.stringify({ event_id: event.event_id })}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(event)}\n`;
}

describe('Sentry-compatible ingest', () => {
  it('turns what the stock @sentry/node SDK sends into an ErrorEvent and spans', async () => {
    const dsn = sentryDsn(TOKEN_HASH, SERVICE_ID, receiver.receiver.origin);
    await promisify(execFile)(process.execPath, [sentryApp], { env: { ...process.env, SENTRY_DSN: dsn }, timeout: 30_000 });

    const data = await spooledData(receiver.spool);
    expect(data.errors).toHaveLength(1);
    const error = data.errors[0]!;
    expect(error).toMatchObject({
      service_id: SERVICE_ID,
      deployment_id: DEPLOYMENT_ID,
      type: 'Error',
      message: 'card declined for order 17',
      context: {
        environment: 'staging',
        release: 'shop@1.2.3',
        user: { id: 'user-42', email: 'ada@example.com' },
        tags: { region: 'eu' },
        // captureException: an error the app caught, which the control plane rates below a crash.
        extra: { exception_chain: [{ type: 'TypeError', value: 'gateway timeout' }], level: 'error', mechanism: { handled: true, type: expect.any(String) } },
      },
      fingerprint: [],
    });
    const thrower = error.stack_trace.find((frame) => frame.function === 'chargeCard');
    expect(thrower).toMatchObject({ in_app: true, lineno: 10 });
    expect(thrower?.context_line).toContain('throw new Error(`card declined');
    expect(thrower?.pre_context?.at(-1)).toContain('function chargeCard');
    expect(error.stack_trace.at(-1)).toBe(thrower);
    expect(error.breadcrumbs).toContainEqual(expect.objectContaining({ category: 'cart', message: 'added item 7', level: 'info' }));

    const root = data.traces.find((span) => span.operation_name === 'POST /checkout');
    const child = data.traces.find((span) => span.operation_name === 'charge card');
    expect(root).toMatchObject({ service_id: SERVICE_ID, span_kind: 'server', attributes: { 'sentry.op': 'http.server' } });
    expect(root).not.toHaveProperty('parent_span_id');
    expect(child).toMatchObject({ trace_id: root?.trace_id, parent_span_id: root?.span_id, attributes: { 'sentry.op': 'payment' } });
    expect(child!.duration_ns).toBeGreaterThanOrEqual(15_000_000);
  });

  it('takes the key from X-Sentry-Auth, gzip envelopes and the legacy store endpoint', async () => {
    const key = sentryKey(TOKEN_HASH, SERVICE_ID);
    const viaHeader = { event_id: randomUUID().replace(/-/g, ''), timestamp: 1_700_000_000.5, message: 'from the header', level: 'warning' };
    const response = await fetch(receiver.url('/api/1/envelope/'), {
      method: 'POST',
      body: new Uint8Array(gzipSync(envelope(viaHeader))),
      headers: { 'content-encoding': 'gzip', 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${key}, sentry_client=raw/1.0` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: viaHeader.event_id });

    const stored = { event_id: randomUUID().replace(/-/g, ''), exception: { values: [{ type: 'ValueError', value: 'bad input' }] } };
    const store = await fetch(receiver.url(`/api/1/store/?sentry_key=${key}`), { method: 'POST', body: JSON.stringify(stored) });
    expect(store.status).toBe(200);

    // Older SDKs send transactions rather than streamed spans.
    const traceId = randomUUID().replace(/-/g, '');
    const transaction = {
      event_id: randomUUID().replace(/-/g, ''),
      type: 'transaction',
      transaction: 'GET /legacy',
      start_timestamp: 1_700_000_000,
      timestamp: 1_700_000_000.25,
      contexts: { trace: { trace_id: traceId, span_id: '1111222233334444', op: 'http.server', status: 'internal_error' } },
      spans: [{ span_id: '5555666677778888', parent_span_id: '1111222233334444', op: 'db', description: 'SELECT 1', start_timestamp: 1_700_000_000.1, timestamp: 1_700_000_000.2 }],
    };
    const legacy = await fetch(receiver.url(`/api/1/envelope/?sentry_key=${key}`), {
      method: 'POST',
      body: `{}\n${JSON.stringify({ type: 'transaction' })}\n${JSON.stringify(transaction)}\n`,
    });
    expect(legacy.status).toBe(200);

    const data = await spooledData(receiver.spool);
    expect(data.errors.find((event) => event.message === 'from the header')).toMatchObject({ type: 'Message', timestamp: '2023-11-14T22:13:20.500Z' });
    expect(data.errors.find((event) => event.type === 'ValueError')).toMatchObject({ message: 'bad input', stack_trace: [] });
    const legacySpans = data.traces.filter((span) => span.trace_id === traceId);
    expect(legacySpans).toEqual([
      expect.objectContaining({ span_id: '1111222233334444', operation_name: 'GET /legacy', span_kind: 'server', duration_ns: 250_000_000, status: { code: 'error', message: 'internal_error' } }),
      expect.objectContaining({ span_id: '5555666677778888', parent_span_id: '1111222233334444', operation_name: 'SELECT 1', status: { code: 'unset' } }),
    ]);
    // A transaction's spans are spooled as any other spans: as columns.
    const batches = await Promise.all(receiver.spool.batches().map(async (batch) => decodeBatch(await receiver.spool.read(batch))));
    expect(batches.flatMap((batch) => batch.traces)).toEqual([]);
    expect(batches.flatMap((batch) => batch.span_columns ?? []).some((block) => block.trace_id.includes(traceId))).toBe(true);
  });

  it('answers 401 to a wrong or missing key and 400 to a malformed envelope', async () => {
    const event = { event_id: randomUUID().replace(/-/g, ''), message: 'nope' };
    const wrongKey = sentryKey('b2'.repeat(32), SERVICE_ID);
    expect((await fetch(receiver.url(`/api/1/envelope/?sentry_key=${wrongKey}`), { method: 'POST', body: envelope(event) })).status).toBe(401);
    expect((await fetch(receiver.url('/api/1/envelope/'), { method: 'POST', body: envelope(event) })).status).toBe(401);
    const key = sentryKey(TOKEN_HASH, SERVICE_ID);
    expect((await fetch(receiver.url(`/api/1/envelope/?sentry_key=${key}`), { method: 'POST', body: '{"event_id": 1' })).status).toBe(400);
    const badItem = `{}\n${JSON.stringify({ type: 'event', length: 500 })}\n{}`;
    expect((await fetch(receiver.url(`/api/1/envelope/?sentry_key=${key}`), { method: 'POST', body: badItem })).status).toBe(400);
    expect((await spooledData(receiver.spool)).errors.some((stored) => stored.message === 'nope')).toBe(false);
  });
});
