import { crc32 } from 'node:zlib';
import { TelemetryData } from '../../contracts/index.js';
import { TELEMETRY_KINDS, type TelemetryKind, type TelemetryRecords } from './telemetry-data.js';

/*
 * The spool's journal holds records already in the JSON a batch carries, so sealing is
 * concatenation: no parse, no second validation (the receivers validated every record against the
 * contract before it was appended), no serialising again. One line per kind and append:
 *
 *     <kind> TAB <crc32 of json, hex> TAB <json: the records, comma-separated> LF
 *
 * JSON.stringify escapes control characters, so neither TAB nor LF occurs inside `json`. The CRC
 * tells a line the process wrote whole from one a crash tore or the disk mangled. Records are
 * encoded to UTF-8 once, when appended; sealing works on those bytes as they are.
 */

/** Records of one kind as they will appear inside the batch's array for that kind. */
export interface JournalEntry {
  kind: TelemetryKind;
  json: Buffer;
}

const TAB = 0x09;
const LF = 0x0a;
const COMMA = Buffer.from(',');
const KINDS: ReadonlySet<string> = new Set(TELEMETRY_KINDS);

/** The records as entries of at most `maxBytes` of JSON each (a single bigger record gets one of its own). */
export function entriesOf(records: TelemetryRecords, maxBytes: number): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const kind of TELEMETRY_KINDS) {
    const list = records[kind];
    if (!list?.length) continue;
    const json = Buffer.from(JSON.stringify(list).slice(1, -1));
    if (json.length <= maxBytes) entries.push({ kind, json });
    else entries.push(...splitRecords(kind, list, maxBytes));
  }
  return entries;
}

function splitRecords(kind: TelemetryKind, list: readonly unknown[], maxBytes: number): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let parts: Buffer[] = [];
  let bytes = 0;
  const flush = () => {
    entries.push({ kind, json: Buffer.concat(parts.flatMap((part, index) => (index === 0 ? [part] : [COMMA, part]))) });
    parts = [];
    bytes = 0;
  };
  for (const record of list) {
    const json = Buffer.from(JSON.stringify(record));
    if (parts.length > 0 && bytes + json.length + 1 > maxBytes) flush();
    parts.push(json);
    bytes += json.length + 1;
  }
  if (parts.length > 0) flush();
  return entries;
}

export function journalLines(entries: readonly JournalEntry[]): Buffer {
  return Buffer.concat(entries.flatMap((entry) => [Buffer.from(`${entry.kind}\t${crc32(entry.json).toString(16)}\t`), entry.json, Buffer.of(LF)]));
}

/**
 * The entries of a journal file. A line that is not whole (a crash mid-write) or fails its CRC is
 * passed to `skipped` and left out: it was never acknowledged to its sender. Lines in the earlier
 * format (one JSON object of records each) are read too, so an agent updated with a journal on
 * disk loses nothing.
 */
export function parseJournal(content: Buffer, maxBytes: number, skipped: (reason: string) => void): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (let start = 0; start < content.length; ) {
    const newline = content.indexOf(LF, start);
    const end = newline === -1 ? content.length : newline;
    const line = content.subarray(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    if (line[0] === 0x7b /* { */) {
      entries.push(...legacyEntries(line.toString(), maxBytes, skipped));
      continue;
    }
    const entry = newline === -1 ? null : parseLine(line);
    if (entry) entries.push(entry);
    else skipped('a torn or damaged line');
  }
  return entries;
}

function parseLine(line: Buffer): JournalEntry | null {
  const kindEnd = line.indexOf(TAB);
  const checksumEnd = kindEnd === -1 ? -1 : line.indexOf(TAB, kindEnd + 1);
  if (checksumEnd === -1) return null;
  const kind = line.subarray(0, kindEnd).toString();
  const json = line.subarray(checksumEnd + 1);
  if (!KINDS.has(kind) || crc32(json).toString(16) !== line.subarray(kindEnd + 1, checksumEnd).toString()) return null;
  return { kind: kind as TelemetryKind, json };
}

const LegacyLine = TelemetryData.partial();

function legacyEntries(line: string, maxBytes: number, skipped: (reason: string) => void): JournalEntry[] {
  let candidate: unknown;
  try {
    candidate = JSON.parse(line);
  } catch {
    skipped('a torn line');
    return [];
  }
  const parsed = LegacyLine.safeParse(candidate);
  if (parsed.success) return entriesOf(parsed.data, maxBytes);
  skipped('an invalid line');
  return [];
}

/* What a batch adds around its entries: `{"errors":[],"traces":[],…}`. */
const BATCH_FRAME_BYTES = Buffer.byteLength(JSON.stringify(Object.fromEntries(TELEMETRY_KINDS.map((kind) => [kind, []]))));

/** Groups entries, in order, into batches of at most `maxBytes` of JSON, each as `TelemetryData` JSON. */
export function batchesOf(entries: readonly JournalEntry[], maxBytes: number): Buffer[] {
  const batches: Buffer[] = [];
  let group: JournalEntry[] = [];
  let bytes = BATCH_FRAME_BYTES;
  for (const entry of entries) {
    if (group.length > 0 && bytes + entry.json.length + 1 > maxBytes) {
      batches.push(batchJson(group));
      group = [];
      bytes = BATCH_FRAME_BYTES;
    }
    group.push(entry);
    bytes += entry.json.length + 1;
  }
  if (group.length > 0) batches.push(batchJson(group));
  return batches;
}

function batchJson(entries: readonly JournalEntry[]): Buffer {
  const parts: Buffer[] = [Buffer.from('{')];
  for (const [index, kind] of TELEMETRY_KINDS.entries()) {
    parts.push(Buffer.from(`${index === 0 ? '' : ','}"${kind}":[`));
    let first = true;
    for (const entry of entries) {
      if (entry.kind !== kind) continue;
      if (!first) parts.push(COMMA);
      parts.push(entry.json);
      first = false;
    }
    parts.push(Buffer.from(']'));
  }
  parts.push(Buffer.from('}'));
  return Buffer.concat(parts);
}
