import { crc32 } from 'node:zlib';
import { spanColumnsOf, TelemetryData, type TraceSpan } from '../../contracts/index.js';
import { TELEMETRY_KINDS, type TelemetryKind, type TelemetryRecords } from './telemetry-data.js';

/*
 * The spool's journal holds records already in the JSON a batch carries, so sealing is
 * concatenation: no parse, no second validation (the receivers validated every record against the
 * contract before it was appended), no serialising again. One line per key and append:
 *
 *     <key> TAB <crc32 of json, hex> TAB <json> LF
 *
 * For a kind of record, `json` is the records, comma-separated. Spans are the bulk, so they are
 * journaled as protocol 1.2's columns, a fraction of the work to serialise and to send: key
 * `span_columns`, `json` one block. A `traces` line (spans as objects) was written by an agent
 * before 1.2; it is still read and sealed into `traces`, so an agent updated with a journal on
 * disk loses nothing.
 *
 * JSON.stringify escapes control characters, so neither TAB nor LF occurs inside `json`. The CRC
 * tells a line the process wrote whole from one a crash tore or the disk mangled. Records are
 * encoded to UTF-8 once, when appended; sealing works on those bytes as they are.
 */

/** What a journal entry holds: records of a kind, or one block of span columns. */
export type JournalKey = TelemetryKind | 'span_columns';

/** One line's content, as it will appear inside the batch's array for its key. */
export interface JournalEntry {
  key: JournalKey;
  json: Buffer;
}

const TAB = 0x09;
const LF = 0x0a;
const COMMA = Buffer.from(',');
const JOURNAL_KEYS: readonly JournalKey[] = [...TELEMETRY_KINDS, 'span_columns'];
const KEYS: ReadonlySet<string> = new Set(JOURNAL_KEYS);

/** The records as entries of at most `maxBytes` of JSON each (a single bigger record gets one of its own). */
export function entriesOf(records: TelemetryRecords, maxBytes: number): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const kind of TELEMETRY_KINDS) {
    const list = records[kind];
    if (!list?.length) continue;
    const whole = entryOf(kind, list);
    if (whole.json.length <= maxBytes) entries.push(whole);
    else entries.push(...splitRecords(kind, list, maxBytes));
  }
  for (const block of records.spanColumnsJson ?? []) {
    if (block.json.length > maxBytes) throw new Error(`a block of span columns of ${block.json.length} bytes does not fit in a batch`);
    entries.push({ key: 'span_columns', json: block.json });
  }
  return entries;
}

/* Spans are the bulk, so they are journaled as a block of columns; other records as they are. */
function entryOf(kind: TelemetryKind, list: readonly unknown[]): JournalEntry {
  if (kind === 'traces') return { key: 'span_columns', json: Buffer.from(JSON.stringify(spanColumnsOf(list as readonly TraceSpan[]))) };
  return { key: kind, json: Buffer.from(JSON.stringify(list).slice(1, -1)) };
}

/*
 * Parts are measured as records (only a request bigger than a batch is split, so each part is
 * serialised again by entryOf). A block of spans is no bigger than the same spans as objects from
 * two spans on: it names each field once, objects once per span.
 */
function splitRecords(kind: TelemetryKind, list: readonly unknown[], maxBytes: number): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let part: unknown[] = [];
  let bytes = 0;
  for (const record of list) {
    const size = Buffer.byteLength(JSON.stringify(record)) + 1;
    if (part.length > 0 && bytes + size > maxBytes) {
      entries.push(entryOf(kind, part));
      [part, bytes] = [[], 0];
    }
    part.push(record);
    bytes += size;
  }
  if (part.length > 0) entries.push(entryOf(kind, part));
  return entries;
}

export function journalLines(entries: readonly JournalEntry[]): Buffer {
  return Buffer.concat(entries.flatMap((entry) => [Buffer.from(`${entry.key}\t${crc32(entry.json).toString(16)}\t`), entry.json, Buffer.of(LF)]));
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
  const keyEnd = line.indexOf(TAB);
  const checksumEnd = keyEnd === -1 ? -1 : line.indexOf(TAB, keyEnd + 1);
  if (checksumEnd === -1) return null;
  const key = line.subarray(0, keyEnd).toString();
  const json = line.subarray(checksumEnd + 1);
  if (!KEYS.has(key) || crc32(json).toString(16) !== line.subarray(keyEnd + 1, checksumEnd).toString()) return null;
  return { key: key as JournalKey, json };
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

/* What a batch adds around its entries: `{"errors":[],"traces":[],…,"span_columns":[]}`. */
const BATCH_FRAME_BYTES = Buffer.byteLength(JSON.stringify(Object.fromEntries(JOURNAL_KEYS.map((key) => [key, []]))));

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

/*
 * `span_columns` is optional, and left out when there are no blocks: such a batch is one a
 * control plane before 1.2 reads as it is.
 */
function batchJson(entries: readonly JournalEntry[]): Buffer {
  const parts: Buffer[] = [Buffer.from('{')];
  for (const [index, key] of JOURNAL_KEYS.entries()) {
    const members = entries.filter((entry) => entry.key === key);
    if (key === 'span_columns' && members.length === 0) continue;
    parts.push(Buffer.from(`${index === 0 ? '' : ','}"${key}":[`));
    for (const [position, entry] of members.entries()) {
      if (position > 0) parts.push(COMMA);
      parts.push(entry.json);
    }
    parts.push(Buffer.from(']'));
  }
  parts.push(Buffer.from('}'));
  return Buffer.concat(parts);
}
