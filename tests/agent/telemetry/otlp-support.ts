import { randomUUID } from 'node:crypto';
import otlpRoot from '@opentelemetry/otlp-transformer/build/esm/generated/root.js';
import { afterAll, beforeAll } from 'vitest';
import { testReceiver } from './support.js';

interface GeneratedMessage {
  fromObject(object: unknown): object;
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: Record<string, unknown>): Record<string, unknown>;
}
export const collector = (otlpRoot as unknown as { opentelemetry: { proto: { collector: Record<string, { v1: Record<string, GeneratedMessage> }> } } })
  .opentelemetry.proto.collector;

/* Protobuf as the stock OTLP exporters write it: the opentelemetry-proto messages. */
export function protobuf(signal: 'trace' | 'logs' | 'metrics', message: string, object: unknown): Buffer {
  const type = collector[signal]!.v1[message]!;
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

export const SERVICE_ID = randomUUID();
export const DEPLOYMENT_ID = randomUUID();
export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const ROOT_SPAN_ID = 'eee19b7ec3c1b173';
export const CHILD_SPAN_ID = 'eee19b7ec3c1b174';

/** The resource of a deployed service's app, tagged as the agent's injected variables tag it. */
export const taggedResource = {
  attributes: [
    { key: 'syntra.service_id', value: { stringValue: SERVICE_ID } },
    { key: 'syntra.deployment_id', value: { stringValue: DEPLOYMENT_ID } },
    { key: 'service.name', value: { stringValue: 'shop' } },
  ],
};

/** A receiver for the test file (started before its tests, closed after), and a POST to it. */
export function receiverUnderTest() {
  let receiver: Awaited<ReturnType<typeof testReceiver>>;
  beforeAll(async () => {
    receiver = await testReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  return {
    get spool() {
      return receiver.spool;
    },
    async post(pathname: string, body: Buffer | string, headers: Record<string, string>) {
      const response = await fetch(receiver.url(pathname), { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
      return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
    },
  };
}
