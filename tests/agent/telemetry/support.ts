import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { spansOf, TelemetryData, type TraceSpan } from '../../../contracts/index.js';
import { TelemetryReceiver } from '../../../agent/telemetry/receiver.js';
import { ServiceTagger } from '../../../agent/telemetry/service-tagger.js';
import { TelemetrySpool } from '../../../agent/telemetry/spool.js';
import { emptyTelemetryData, TELEMETRY_KINDS } from '../../../agent/telemetry/telemetry-data.js';
import { loadZstd, type Zstd } from '../../../agent/telemetry/zstd.js';
import { ServiceRegistry } from '../../../agent/runtime/service-registry.js';
import { ensureDockerd } from '../../support/docker.js';

export const silentLog = pino({ level: 'silent' });

let zstd: Zstd | undefined;
export async function testZstd(): Promise<Zstd> {
  zstd ??= await loadZstd();
  return zstd;
}

/** A spool in a fresh temporary folder. */
export async function temporarySpool(maxBytes = 50 * 1024 * 1024) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syntra-spool-'));
  const spool = await TelemetrySpool.open(dir, { maxBytes, zstd: await testZstd(), log: silentLog });
  return { dir, spool, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Decodes one sealed batch file the way the control plane does: zstd, JSON, the contract's schema. */
export async function decodeBatch(content: Buffer | string): Promise<TelemetryData> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'base64') : content;
  return TelemetryData.parse(JSON.parse(Buffer.from((await testZstd()).decompress(bytes)).toString('utf8')));
}

/** Every span a batch carries: its `traces` rows, then the spans of its `span_columns` blocks. */
export function spansIn(data: TelemetryData): TraceSpan[] {
  return [...data.traces, ...(data.span_columns ?? []).flatMap(spansOf)];
}

/**
 * Everything in the spool, after sealing the journal: what the control plane would eventually
 * receive, with every span in `traces` however the batches carry it.
 */
export async function spooledData(spool: TelemetrySpool): Promise<TelemetryData> {
  await spool.seal();
  const all = emptyTelemetryData();
  for (const batch of spool.batches()) {
    const data = await decodeBatch(await spool.read(batch));
    for (const kind of TELEMETRY_KINDS) (all[kind] as unknown[]).push(...(kind === 'traces' ? spansIn(data) : data[kind]));
  }
  return all;
}

/** A receiver on 127.0.0.1 (free port) in front of a temporary spool, for a server of its own. */
export async function testReceiver(options: { maxBytes?: number; agentTokenHash?: string } = {}) {
  const docker = await ensureDockerd();
  const services = new ServiceRegistry(docker, randomUUID());
  const temporary = await temporarySpool(options.maxBytes);
  const receiver = await TelemetryReceiver.start({
    host: '127.0.0.1',
    port: 0,
    accept: (records) => temporary.spool.append(records),
    tagger: new ServiceTagger(docker, services),
    agentTokenHash: options.agentTokenHash ?? 'f'.repeat(64),
    retryAfterSeconds: () => 5,
    log: silentLog,
  });
  return {
    ...temporary,
    services,
    receiver,
    url: (pathname: string) => new URL(pathname, receiver.origin).href,
    async close() {
      await receiver.close();
      await temporary.spool.close();
      await temporary.remove();
    },
  };
}
