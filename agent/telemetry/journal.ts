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
 * tells a line the process wrote whole from one a crash tore or the disk mangled.
 */

/** Records of one kind as they will appear inside the batch's array for that kind. */
export interface JournalEntry {
  kind: TelemetryKind;
  json: string;
  bytes: number;
}

const KINDS: ReadonlySet<string> = new Set(TELEMETRY_KINDS);
/* What a batch adds around its entries: `{"errors":[],"traces":[],…}`. */
const BATCH_FRAME_BYTES = Buffer.byteLength(JSON.stringify(Object.fromEntries(TELEMETRY_KINDS.map((kind) => [kind, []]))));

/** The records as entries of at most `maxBytes` of JSON each (a single bigger record gets one of its own). */
export function entriesOf(records: TelemetryRecords, maxBytes: number): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const kind of TELEMETRY_KINDS) {
    const list = records[kind];
    if (!list?.length) continue;
    const json = JSON.stringify(list).slice(1, -1);
    const bytes = Buffer.byteLength(json);
    if (bytes <= maxBytes) entries.push({ kind, json, bytes });
    else entries.push(...splitRecords(kind, list, maxBytes));
  }
  return entries;
}

function splitRecords(kind: TelemetryKind, list: readonly unknown[], maxBytes: number): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let parts: string[] = [];
  let bytes = 0;
  for (const record of list) {
    const json = JSON.stringify(record);
    const recordBytes = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && bytes + recordBytes > maxBytes) {
      entries.push({ kind, json: parts.join(','), bytes: bytes - 1 });
      parts = [];
      bytes = 0;
    }
    parts.push(json);
    bytes += recordBytes;
  }
  if (parts.length > 0) entries.push({ kind, json: parts.join(','), bytes: bytes - 1 });
  return entries;
}

export function journalLines(entries: readonly JournalEntry[]): string {
  return entries.map((entry) => `${entry.kind}\t${crc32(entry.json).toString(16)}\t${entry.json}\n`).join('');
}

/**
 * The entries of a journal file. A line that is not whole (a crash mid-write) or fails its CRC is
 * passed to `skipped` and left out: it was never acknowledged to its sender. Lines in the earlier
 * format (one JSON object of records each) are read too, so an agent updated with a journal on
 * disk loses nothing.
 */
export function parseJournal(text: string, maxBytes: number, skipped: (reason: string) => void): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('{')) {
      entries.push(...legacyEntries(line, maxBytes, skipped));
      continue;
    }
    const [kind, checksum, json, extra] = line.split('\t');
    if (kind === undefined || !KINDS.has(kind) || json === undefined || extra !== undefined || crc32(json).toString(16) !== checksum) {
      skipped('a torn or damaged line');
      continue;
    }
    entries.push({ kind: kind as TelemetryKind, json, bytes: Buffer.byteLength(json) });
  }
  return entries;
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

/** Groups entries, in order, into batches of at most `maxBytes` of JSON, each as `TelemetryData` JSON. */
export function batchesOf(entries: readonly JournalEntry[], maxBytes: number): string[] {
  const batches: string[] = [];
  let group: JournalEntry[] = [];
  let bytes = BATCH_FRAME_BYTES;
  for (const entry of entries) {
    if (group.length > 0 && bytes + entry.bytes + 1 > maxBytes) {
      batches.push(batchJson(group));
      group = [];
      bytes = BATCH_FRAME_BYTES;
    }
    group.push(entry);
    bytes += entry.bytes + 1;
  }
  if (group.length > 0) batches.push(batchJson(group));
  return batches;
}

function batchJson(entries: readonly JournalEntry[]): string {
  const byKind = TELEMETRY_KINDS.map((kind) => {
    const parts = entries.filter((entry) => entry.kind === kind).map((entry) => entry.json);
    return `"${kind}":[${parts.join(',')}]`;
  });
  return `{${byKind.join(',')}}`;
}
