import { randomUUID } from 'node:crypto';
import { compress } from 'zstd-napi';
import { toAgentProtocolId, type TelemetryAckPayload, type TelemetryData } from '../../contracts/index.js';
import type { FakeAgent } from '../support/fake-agent.js';

/* `telemetry_batch` payloads as a 1.1 agent sends them, and the wait for their acks. */

export const emptyTelemetry: TelemetryData = { errors: [], traces: [], logs: [], metrics: [], health_checks: [] };

export function zstdBatch(serverId: string, data: Partial<TelemetryData>, batchId: string = randomUUID()) {
  return {
    batch_id: batchId,
    agent_id: toAgentProtocolId(serverId),
    compression: 'zstd' as const,
    data: compress(Buffer.from(JSON.stringify({ ...emptyTelemetry, ...data }))).toString('base64'),
  };
}

/** The agent's next ack for this batch, skipping acks of others. */
export async function ackOf(agent: FakeAgent, batchId: string): Promise<TelemetryAckPayload> {
  for (;;) {
    const ack = await agent.next('telemetry_ack');
    if (ack.payload.batch_id === batchId) return ack.payload;
  }
}

export function sendBatch(agent: FakeAgent, payload: { batch_id: string }): Promise<TelemetryAckPayload> {
  agent.send('telemetry_batch', payload);
  return ackOf(agent, payload.batch_id);
}
