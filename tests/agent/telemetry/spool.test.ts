import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_MAX_JSON_BYTES, TelemetrySpool } from '../../../agent/telemetry/spool.js';
import { spanColumnsOf, spansOf, type TraceSpan } from '../../../contracts/index.js';
import { errorEvent, logEntry, metricPoint, traceSpan } from './records.js';
import { decodeBatch, silentLog, spansIn, spooledData, temporarySpool, testZstd } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function spoolOf(maxBytes?: number) {
  const temporary = await temporarySpool(maxBytes);
  cleanups.push(async () => {
    await temporary.spool.close();
    await temporary.remove();
  });
  return temporary;
}

describe('telemetry spool', () => {
  it('when full, sheds logs and metrics (oldest first) to take errors, keeps spans, and counts what it dropped', async () => {
    const { spool } = await spoolOf(16 * 1024);
    expect(await spool.append({ traces: [traceSpan('kept span')] })).toBe(true);
    let acceptedLogs = 0;
    // Random text does not compress: the spool fills up in a few appends.
    while (await spool.append({ logs: [logEntry(Buffer.from(crypto.getRandomValues(new Uint8Array(1500))).toString('base64'))], metrics: [metricPoint(1)] })) {
      acceptedLogs += 1;
      await spool.seal();
    }
    expect(acceptedLogs).toBeGreaterThan(3);
    expect(spool.takeDropped()).toMatchObject({ logs: 1, metrics: 1, errors: 0 });
    // Spans alone are refused too: only errors and health checks may push logs and metrics out.
    const bigSpan = { ...traceSpan('refused span'), attributes: { payload: Buffer.from(crypto.getRandomValues(new Uint8Array(3000))).toString('base64') } };
    expect(await spool.append({ traces: [bigSpan] })).toBe(false);

    const precious = { ...errorEvent('must not be lost'), context: { environment: 'production', release: '1', tags: {}, extra: { payload: bigSpan.attributes.payload } } };
    expect(await spool.append({ errors: [precious] })).toBe(true);
    const dropped = spool.takeDropped();
    expect(dropped.traces).toBe(1);
    expect(dropped.logs).toBeGreaterThan(0);
    expect(dropped.metrics).toBe(dropped.logs);
    expect(dropped.errors).toBe(0);

    const data = await spooledData(spool);
    expect(data.errors.map((event) => event.message)).toEqual(['must not be lost']);
    expect(data.traces.map((span) => span.operation_name)).toEqual(['kept span']);
    // The newest logs survive: shedding starts with the oldest batch.
    expect(data.logs).toHaveLength(acceptedLogs - dropped.logs);
    expect(spool.usedBytes).toBeLessThanOrEqual(spool.limitBytes);
  });

  it('refuses errors too once nothing is left to shed', async () => {
    const { spool } = await spoolOf(4 * 1024);
    let accepted = 0;
    while (await spool.append({ errors: [errorEvent(Buffer.from(crypto.getRandomValues(new Uint8Array(600))).toString('base64'))] })) accepted += 1;
    expect(accepted).toBeGreaterThan(0);
    expect(spool.takeDropped().errors).toBe(1);
    expect((await spooledData(spool)).errors).toHaveLength(accepted);
  });

  it('finds its journal and an interrupted sealing again after a crash, skipping a torn last line', async () => {
    const { dir, spool } = await spoolOf();
    await spool.append({ logs: [logEntry('in the journal')] });
    // What a crash between renaming the journal and writing its batches leaves behind.
    await mkdir(path.join(dir, 'sealing'), { recursive: true });
    await writeFile(path.join(dir, 'sealing', '000000000007.ndjson'), `${JSON.stringify({ errors: [errorEvent('being sealed')] })}\n{"logs": [{"times`);
    // A batch file half-written when the process died.
    await writeFile(path.join(dir, 'batches', '000000000007-0000-00000000-0000-4000-8000-000000000000.zst.tmp'), 'partial');

    const reopened = await TelemetrySpool.open(dir, { maxBytes: 50 * 1024 * 1024, zstd: await testZstd(), log: silentLog });
    cleanups.push(() => reopened.close());
    const data = await spooledData(reopened);
    expect(data.logs.map((entry) => entry.message)).toEqual(['in the journal']);
    expect(data.errors.map((event) => event.message)).toEqual(['being sealed']);
    expect(reopened.batches().every((batch) => batch.file.endsWith('.zst'))).toBe(true);
  });

  it('keeps every whole journal line through a crash and skips one torn short or damaged on disk', async () => {
    const { dir, spool } = await spoolOf();
    await spool.append({ logs: [logEntry('first')], traces: [traceSpan('first span')] });
    await spool.append({ logs: [logEntry('damaged')] });
    await spool.append({ errors: [errorEvent('last whole line')] });
    await spool.append({ logs: [logEntry('torn')] });
    await spool.close();
    const journal = path.join(dir, 'journal.ndjson');
    const lines = (await readFile(journal, 'utf8')).split('\n');
    // A flipped byte in one line (its CRC no longer matches), and the last line cut short by a crash.
    lines[2] = lines[2]!.replace('damaged', 'dAmaged');
    lines[4] = lines[4]!.slice(0, 40);
    await writeFile(journal, lines.slice(0, 5).join('\n'));

    const reopened = await TelemetrySpool.open(dir, { maxBytes: 50 * 1024 * 1024, zstd: await testZstd(), log: silentLog });
    cleanups.push(() => reopened.close());
    const data = await spooledData(reopened);
    expect(data.logs.map((entry) => entry.message)).toEqual(['first']);
    expect(data.traces.map((span) => span.operation_name)).toEqual(['first span']);
    expect(data.errors.map((event) => event.message)).toEqual(['last whole line']);
  });

  it('keeps a sealed journal whose compression failed and compresses it at the next seal, taking appends all along', async () => {
    const { dir, spool } = await spoolOf();
    await spool.append({ logs: [logEntry('before the failure')] });
    // The batch folder replaced by a file: writing a batch fails (ENOTDIR), as a full or failing disk would.
    const batches = path.join(dir, 'batches');
    await rm(batches, { recursive: true });
    await writeFile(batches, 'not a folder');
    await expect(spool.seal()).rejects.toThrow();
    expect(await spool.append({ logs: [logEntry('while it failed')] })).toBe(true);
    expect(spool.usedBytes).toBeGreaterThan(0);

    await rm(batches);
    await mkdir(batches);
    const data = await spooledData(spool);
    expect(data.logs.map((entry) => entry.message)).toEqual(['before the failure', 'while it failed']);
  });

  it('splits one request bigger than a batch into batches the gateway accepts', async () => {
    const { spool } = await spoolOf();
    const line = 'y'.repeat(100_000);
    await spool.append({ logs: Array.from({ length: 100 }, (_, index) => logEntry(`${index} ${line}`)) });
    await spool.seal();
    let total = 0;
    for (const batch of spool.batches()) {
      const data = await decodeBatch(await spool.read(batch));
      expect(Buffer.byteLength(JSON.stringify(data))).toBeLessThanOrEqual(BATCH_MAX_JSON_BYTES + 1024);
      total += data.logs.length;
    }
    expect(spool.batches().length).toBeGreaterThan(2);
    expect(total).toBe(100);
  });

  it('refuses a directory another live agent process is using', async () => {
    const { dir } = await spoolOf();
    await writeFile(path.join(dir, 'spool.lock'), String(process.ppid));
    await expect(TelemetrySpool.open(dir, { maxBytes: 1024 * 1024, zstd: await testZstd(), log: silentLog })).rejects.toThrow(/in use by process/);
  });

  it('splits a large journal into batches the gateway accepts, and removes only the batch named', async () => {
    const { spool } = await spoolOf();
    const line = 'x'.repeat(10_000);
    for (let group = 0; group < 10; group += 1) {
      await spool.append({ logs: Array.from({ length: 100 }, (_, index) => logEntry(`${group}-${index} ${line}`)) });
    }
    await spool.seal();
    const batches = spool.batches();
    expect(batches.length).toBeGreaterThan(1);
    let total = 0;
    for (const batch of batches) {
      const data = await decodeBatch(await spool.read(batch));
      expect(Buffer.byteLength(JSON.stringify(data))).toBeLessThanOrEqual(BATCH_MAX_JSON_BYTES + 1024);
      total += data.logs.length;
    }
    expect(total).toBe(1_000);

    await spool.remove(batches[0]!.batchId);
    expect(spool.batches().map((batch) => batch.batchId)).toEqual(batches.slice(1).map((batch) => batch.batchId));
  });

  it('journals spans as span_columns blocks that a batch carries and that give back the same spans', async () => {
    const { dir, spool } = await spoolOf();
    const root = { ...traceSpan('GET /orders'), status: { code: 'error' as const, message: 'timeout' }, attributes: { 'http.status_code': 504 } };
    const child = { ...traceSpan('SELECT orders'), trace_id: root.trace_id, parent_span_id: root.span_id, events: [{ name: 'retry', timestamp_ns: 1e18, attributes: { attempt: 2 } }] };
    const later = traceSpan('POST /orders');
    await spool.append({ traces: [root, child], logs: [logEntry('between')] });
    await spool.append({ traces: [later] });

    const journal = (await readFile(path.join(dir, 'journal.ndjson'), 'utf8')).split('\n').filter(Boolean);
    expect(journal.map((line) => line.split('\t')[0])).toEqual(['span_columns', 'logs', 'span_columns']);
    expect(JSON.parse(journal[0]!.split('\t')[2]!)).toEqual(spanColumnsOf([root, child]));

    await spool.seal();
    expect(spool.batches()).toHaveLength(1);
    const data = await decodeBatch(await spool.read(spool.batches()[0]!));
    expect(data.traces).toEqual([]);
    expect(data.span_columns).toEqual([spanColumnsOf([root, child]), spanColumnsOf([later])]);
    expect(data.span_columns!.flatMap(spansOf)).toEqual([root, child, later]);
    expect(data.logs.map((entry) => entry.message)).toEqual(['between']);
  });

  it('leaves span_columns out of a batch without spans', async () => {
    const { spool } = await spoolOf();
    await spool.append({ logs: [logEntry('no spans here')] });
    await spool.seal();
    const json = Buffer.from((await testZstd()).decompress(await spool.read(spool.batches()[0]!))).toString('utf8');
    expect(Object.keys(JSON.parse(json))).toEqual(['errors', 'traces', 'logs', 'metrics', 'health_checks']);
  });

  it('splits a list of spans bigger than a batch into blocks, each in a batch the gateway accepts', async () => {
    const { spool } = await spoolOf();
    const payload = 'z'.repeat(100_000);
    const spans = Array.from({ length: 100 }, (_, index) => ({ ...traceSpan(`span ${index}`), attributes: { payload } }));
    await spool.append({ traces: spans });
    await spool.seal();
    expect(spool.batches().length).toBeGreaterThan(2);
    const received: TraceSpan[] = [];
    for (const batch of spool.batches()) {
      const data = await decodeBatch(await spool.read(batch));
      expect(Buffer.byteLength(JSON.stringify(data))).toBeLessThanOrEqual(BATCH_MAX_JSON_BYTES + 1024);
      expect(data.traces).toEqual([]);
      received.push(...spansIn(data));
    }
    expect(received).toEqual(spans);
  });

  it('still seals a journal line of spans as objects, written before protocol 1.2, into traces', async () => {
    const { dir, spool } = await spoolOf();
    await spool.close();
    const old = [traceSpan('journaled by the previous agent'), { ...traceSpan('its child'), parent_span_id: '0123456789abcdef' }];
    const json = JSON.stringify(old).slice(1, -1);
    await writeFile(path.join(dir, 'journal.ndjson'), `traces\t${crc32(json).toString(16)}\t${json}\n`);

    const reopened = await TelemetrySpool.open(dir, { maxBytes: 50 * 1024 * 1024, zstd: await testZstd(), log: silentLog });
    cleanups.push(() => reopened.close());
    const fresh = traceSpan('journaled after the update');
    await reopened.append({ traces: [fresh] });
    await reopened.seal();
    const batches = await Promise.all(reopened.batches().map(async (batch) => decodeBatch(await reopened.read(batch))));
    expect(batches.flatMap((data) => data.traces)).toEqual(old);
    expect(batches.flatMap((data) => data.span_columns ?? [])).toEqual([spanColumnsOf([fresh])]);
  });
});
