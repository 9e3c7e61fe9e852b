import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentConnection } from '../../../agent/connection.js';
import { ServiceRegistry } from '../../../agent/runtime/service-registry.js';
import { AgentTelemetry } from '../../../agent/telemetry/agent-telemetry.js';
import { DEFAULT_AGENT_CONFIG, parseAgentMessage, spanColumnsOf, type AgentConfig, type AgentMessage } from '../../../contracts/index.js';
import { ensureDockerd } from '../../support/docker.js';
import { envelope } from '../harness.js';
import { DEPLOYMENT_ID, logEntry, SERVICE_ID, traceSpan } from './records.js';
import { decodeBatch, silentLog } from './support.js';

type BatchMessage = Extract<AgentMessage, { type: 'telemetry_batch' }>;

/** A stand-in gateway that accepts every hello with the given protocol and config, and records every message. */
async function fakeControlPlane(protocolVersion: '1.0' | '1.1' | '1.2', config: Partial<AgentConfig> = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/agent/ws' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const sessions: { socket: WebSocket; messages: AgentMessage[] }[] = [];
  const serverUuid = randomUUID();
  wss.on('connection', (socket) => {
    const session = { socket, messages: [] as AgentMessage[] };
    sessions.push(session);
    socket.on('message', (data) => {
      const parsed = parseAgentMessage(JSON.parse(data.toString()));
      if (!parsed.success) throw new Error(`invalid agent message: ${JSON.stringify(parsed.error.issues)}`);
      session.messages.push(parsed.data);
      if (parsed.data.type !== 'agent_hello') return;
      socket.send(
        JSON.stringify(
          envelope('hello_ack', {
            server_id: `srv_${serverUuid.replaceAll('-', '')}`,
            accepted: true,
            server_name: 'telemetry-test',
            org_id: randomUUID(),
            config: { ...DEFAULT_AGENT_CONFIG, telemetry_batch_interval_seconds: 1, log_level: 'error', ...config },
            pending_deployments: [],
            ...(protocolVersion !== '1.0' && { protocol_version: protocolVersion }),
          }),
        ),
      );
    });
  });
  const port = (wss.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    sessions,
    batches: (session = sessions.at(-1)) => (session?.messages ?? []).filter((message): message is BatchMessage => message.type === 'telemetry_batch'),
    ack(batchId: string, outcome: { accepted: true } | { accepted: false; error: { code: string; message: string } } = { accepted: true }) {
      sessions.at(-1)!.socket.send(JSON.stringify(envelope('telemetry_ack', { batch_id: batchId, ...outcome })));
    },
    close: () => new Promise((resolve) => wss.close(resolve)),
  };
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `beforeConnecting` runs once telemetry is up, before the first session: what it spools is sent when the session begins. */
async function agentWithTelemetry(url: string, beforeConnecting?: (telemetry: AgentTelemetry) => Promise<void>) {
  const docker = await ensureDockerd();
  const services = new ServiceRegistry(docker, randomUUID());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-agent-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const telemetry = await AgentTelemetry.start({ docker, services, log: silentLog, dataDir, agentToken: 'syn_agt_test', host: '127.0.0.1', port: 0 });
  cleanups.push(() => telemetry.stop());
  await beforeConnecting?.(telemetry);
  const connection = new AgentConnection({ url, token: 'syn_agt_test', context: { docker, services, log: silentLog, telemetry }, reconnectInitialDelayMs: 50 });
  connection.start();
  cleanups.push(() => connection.stop());
  return { telemetry, connection };
}

/** One OTLP/JSON log line through the agent's receiver; resolves with the HTTP status. */
async function sendLog(telemetry: AgentTelemetry, message: string): Promise<number> {
  const body = {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'syntra.service_id', value: { stringValue: SERVICE_ID } },
            { key: 'syntra.deployment_id', value: { stringValue: DEPLOYMENT_ID } },
          ],
        },
        scopeLogs: [{ logRecords: [{ severityNumber: 9, body: { stringValue: message } }] }],
      },
    ],
  };
  const response = await fetch(new URL('/v1/logs', telemetry.receiver.origin), { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return response.status;
}

describe('telemetry_batch sender', () => {
  it('sends spooled records as zstd batches, resends them after a reconnect until acknowledged, then deletes them', async () => {
    const controlPlane = await fakeControlPlane('1.1');
    cleanups.push(() => controlPlane.close());
    const { telemetry } = await agentWithTelemetry(controlPlane.url);
    await until(() => controlPlane.sessions[0]);

    expect(await sendLog(telemetry, 'order 1 paid')).toBe(200);
    const first = await until(() => controlPlane.batches()[0]);
    expect(first.payload.compression).toBe('zstd');
    expect(first.payload.agent_id).toMatch(/^agt_[0-9a-f]{32}$/);
    const data = await decodeBatch(first.payload.data as string);
    expect(data.logs).toEqual([expect.objectContaining({ message: 'order 1 paid', service_id: SERVICE_ID, deployment_id: DEPLOYMENT_ID, source: 'sdk' })]);

    // The control plane goes away before acknowledging: the batch stays and comes again in the next session.
    controlPlane.sessions[0]!.socket.terminate();
    const second = await until(() => (controlPlane.sessions.length === 2 ? controlPlane.batches()[0] : undefined));
    expect(second.payload.batch_id).toBe(first.payload.batch_id);
    expect(telemetry.spool.batches().map((batch) => batch.batchId)).toEqual([first.payload.batch_id]);

    controlPlane.ack(first.payload.batch_id);
    await until(() => (telemetry.spool.batches().length === 0 ? true : undefined));
  });

  it('keeps a batch the control plane could not store and sends it again; drops one refused as invalid', async () => {
    const controlPlane = await fakeControlPlane('1.1');
    cleanups.push(() => controlPlane.close());
    const { telemetry } = await agentWithTelemetry(controlPlane.url);
    await until(() => controlPlane.sessions[0]);

    expect(await sendLog(telemetry, 'first')).toBe(200);
    const batch = await until(() => controlPlane.batches()[0]);
    controlPlane.ack(batch.payload.batch_id, { accepted: false, error: { code: 'INGEST_UNAVAILABLE', message: 'ClickHouse is down' } });
    const again = await until(() => controlPlane.batches()[1]);
    expect(again.payload.batch_id).toBe(batch.payload.batch_id);

    controlPlane.ack(batch.payload.batch_id, { accepted: false, error: { code: 'VALIDATION_ERROR', message: 'bad batch' } });
    await until(() => (telemetry.spool.batches().length === 0 ? true : undefined));
  });

  it('sends and forgets with a 1.0 control plane, which never acknowledges', async () => {
    const controlPlane = await fakeControlPlane('1.0');
    cleanups.push(() => controlPlane.close());
    const { telemetry } = await agentWithTelemetry(controlPlane.url);
    await until(() => controlPlane.sessions[0]);

    expect(await sendLog(telemetry, 'fire and forget')).toBe(200);
    const batch = await until(() => controlPlane.batches()[0]);
    expect((await decodeBatch(batch.payload.data as string)).logs[0]?.message).toBe('fire and forget');
    await until(() => (telemetry.spool.batches().length === 0 ? true : undefined));
  });

  it('raises an alert naming what it dropped while the spool is full', async () => {
    const controlPlane = await fakeControlPlane('1.1', { telemetry_buffer_max_mb: 1 });
    cleanups.push(() => controlPlane.close());
    const { telemetry } = await agentWithTelemetry(controlPlane.url);
    await until(() => controlPlane.sessions[0]?.messages.length);

    const statuses: number[] = [];
    // Random text does not compress, so the 1 MB spool fills with a handful of lines.
    while (statuses.at(-1) !== 429) {
      statuses.push(await sendLog(telemetry, Buffer.from(crypto.getRandomValues(new Uint8Array(48 * 1024))).toString('base64')));
      if (statuses.length > 40) throw new Error('the spool never filled');
    }
    // Other alerts (a busy test machine's CPU) may come too.
    const alert = await until(() =>
      controlPlane.sessions
        .at(-1)!
        .messages.find((message): message is Extract<AgentMessage, { type: 'alert' }> => message.type === 'alert' && message.payload.metadata.resource === 'telemetry_spool'),
    );
    expect(alert.payload).toMatchObject({
      type: 'resource_critical',
      severity: 'warning',
      title: 'Telemetry spool full: data dropped',
      metadata: { resource: 'telemetry_spool', dropped: { logs: 1, errors: 0 } },
    });
    expect(alert.payload.message).toContain('Dropped 1 log lines');
  });

  const spans = [traceSpan('GET /cart'), { ...traceSpan('SELECT cart'), parent_span_id: '0123456789abcdef', status: { code: 'error' as const, message: 'deadlock' } }];
  const later = traceSpan('POST /cart');
  /* A batch with logs only, then one with spans from two appends and a log: sealed before the session, so sent in that order as it begins. */
  async function spoolTwoBatches(telemetry: AgentTelemetry): Promise<string[]> {
    expect(await telemetry.spool.append({ logs: [logEntry('no spans')] })).toBe(true);
    await telemetry.spool.seal();
    expect(await telemetry.spool.append({ traces: spans, logs: [logEntry('with spans')] })).toBe(true);
    expect(await telemetry.spool.append({ traces: [later] })).toBe(true);
    await telemetry.spool.seal();
    return Promise.all(telemetry.spool.batches().map(async (batch) => (await telemetry.spool.read(batch)).toString('base64')));
  }

  it('sends spans as span_columns to a 1.2 control plane, as the spool holds them', async () => {
    const controlPlane = await fakeControlPlane('1.2');
    cleanups.push(() => controlPlane.close());
    let spooled: string[] = [];
    await agentWithTelemetry(controlPlane.url, async (telemetry) => {
      spooled = await spoolTwoBatches(telemetry);
    });

    const sent = await until(() => (controlPlane.batches().length >= 2 ? controlPlane.batches() : undefined));
    expect(sent.map((batch) => batch.payload.data)).toEqual(spooled);
    const data = await decodeBatch(sent[1]!.payload.data as string);
    expect(data.traces).toEqual([]);
    expect(data.span_columns).toEqual([spanColumnsOf(spans), spanColumnsOf([later])]);
    expect(data.logs.map((entry) => entry.message)).toEqual(['with spans']);
  });

  it.each(['1.0', '1.1'] as const)('turns span_columns into traces for a %s control plane, and sends batches without spans as they are', async (version) => {
    const controlPlane = await fakeControlPlane(version);
    cleanups.push(() => controlPlane.close());
    let spooled: string[] = [];
    const { telemetry } = await agentWithTelemetry(controlPlane.url, async (telemetry) => {
      spooled = await spoolTwoBatches(telemetry);
    });

    const sent = await until(() => (controlPlane.batches().length >= 2 ? controlPlane.batches() : undefined));
    expect(sent[0]!.payload.data).toBe(spooled[0]);
    const data = await decodeBatch(sent[1]!.payload.data as string);
    expect(data).not.toHaveProperty('span_columns');
    expect(data.traces).toEqual([...spans, later]);
    expect(data.logs.map((entry) => entry.message)).toEqual(['with spans']);
    if (version === '1.1') {
      // The spool keeps the batch as it was, columns and all, until the control plane takes it.
      expect((await telemetry.spool.read(telemetry.spool.batches()[1]!)).toString('base64')).toBe(spooled[1]);
      for (const batch of sent) controlPlane.ack(batch.payload.batch_id);
    }
    await until(() => (telemetry.spool.batches().length === 0 ? true : undefined));
    expect(controlPlane.batches()).toHaveLength(2);
  });
});
