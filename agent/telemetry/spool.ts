import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { TelemetryData } from '../../contracts/index.js';
import { batchesOf, entriesOf, journalLines, parseJournal, type JournalEntry } from './journal.js';
import {
  carriesPrecious,
  countsByKind,
  recordCount,
  SHEDDABLE_KINDS,
  TELEMETRY_KINDS,
  type TelemetryKind,
  type TelemetryRecords,
} from './telemetry-data.js';
import type { Zstd } from './zstd.js';

/*
 * The gateway refuses frames over 8 MiB. A batch of this much JSON stays below that even if zstd
 * gains nothing and base64 adds its third.
 */
export const BATCH_MAX_JSON_BYTES = 4 * 1024 * 1024;
/*
 * A journal this big is sealed without waiting for the clock. Below the maximum, so that it and
 * what arrives while sealing starts make one whole batch rather than a full one and a scrap.
 */
export const BATCH_TARGET_JSON_BYTES = 3 * 1024 * 1024;
export const BYTES_PER_MB = 1024 * 1024;

const JOURNAL = 'journal.ndjson';
const LOCK = 'spool.lock';
const SEALING_DIR = 'sealing';
const BATCH_DIR = 'batches';
const BATCH_FILE = /^(\d{12})-(\d{4})-([0-9a-f-]{36})\.zst$/;
const SEALING_FILE = /^(\d{12})\.ndjson$/;

/** A sealed batch waiting in the spool for the control plane's acknowledgement. */
export interface SpooledBatch {
  batchId: string;
  file: string;
  bytes: number;
}

interface PendingAppend {
  line: Buffer;
  entries: JournalEntry[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The agent's bounded on-disk telemetry buffer (`telemetry_buffer_max_mb`).
 *
 * Accepted records are appended to a journal and fsync'd before `append` resolves, so a
 * receiver answers 2xx only for data that survives `kill -9`; concurrent appends share one
 * fsync. `seal` turns the journal into zstd batch files (renamed into place, so a batch file is
 * whole or absent); a batch leaves only through `remove`, when the control plane acknowledged
 * it. After a crash, `open` finishes whatever sealing was interrupted. Sealing holds appends up
 * only while it renames the journal: they go on into a new one while the old is compressed.
 *
 * When full, records carrying errors or health-check results make room by shedding logs and
 * metrics from the oldest batches; anything else is refused. Both are counted in `dropped`.
 */
export class TelemetrySpool {
  private batchList: SpooledBatch[] = [];
  private journal: FileHandle | null = null;
  /* Bytes in the journal file, and bytes queued for it but not yet written. */
  private journalBytes = 0;
  private queuedBytes = 0;
  /* Sealed journals waiting to be compressed into batches, oldest first, and the compression running. */
  private sealed: { file: string; sequence: number; bytes: number; entries: JournalEntry[] | null }[] = [];
  /*
   * What the journal file holds, when this process wrote all of it: sealing takes the entries from
   * here rather than reading and checking the file again. Null for a journal left by an earlier
   * process, or after a failed write left the file uncertain; those are read from disk.
   */
  private journalEntries: JournalEntry[] | null = [];
  private compressing: Promise<void> = Promise.resolve();
  private sequence = 0;
  private pending: PendingAppend[] = [];
  private draining = false;
  private tail: Promise<unknown> = Promise.resolve();
  private droppedCounts = countsByKind({});

  private constructor(
    private readonly dir: string,
    private maxBytes: number,
    private readonly zstd: Zstd,
    private readonly log: Logger,
  ) {}

  static async open(dir: string, options: { maxBytes: number; zstd: Zstd; log: Logger }): Promise<TelemetrySpool> {
    const spool = new TelemetrySpool(dir, options.maxBytes, options.zstd, options.log);
    await spool.recover();
    return spool;
  }

  setMaxBytes(maxBytes: number): void {
    this.maxBytes = maxBytes;
  }

  /** What the journal holds, not yet sealed into batches. */
  get journalSize(): number {
    return this.journalBytes;
  }

  get usedBytes(): number {
    const sealedBytes = this.sealed.reduce((sum, journal) => sum + journal.bytes, 0);
    return this.journalBytes + this.queuedBytes + sealedBytes + this.batchList.reduce((sum, batch) => sum + batch.bytes, 0);
  }

  get limitBytes(): number {
    return this.maxBytes;
  }

  /** Oldest first. */
  batches(): SpooledBatch[] {
    return [...this.batchList];
  }

  /** Records refused or shed since the previous call, by kind. */
  takeDropped(): Record<TelemetryKind, number> {
    const dropped = this.droppedCounts;
    this.droppedCounts = countsByKind({});
    return dropped;
  }

  /**
   * Resolves true once the records are on disk (fsync'd), false when the spool is full and they
   * were refused. Never both: a refused record was never written.
   */
  async append(records: TelemetryRecords): Promise<boolean> {
    if (recordCount(records) === 0) return true;
    const entries = entriesOf(records, BATCH_MAX_JSON_BYTES);
    const line = journalLines(entries);
    if (!this.fits(line.length) && carriesPrecious(records)) {
      await this.exclusive(() => this.shedFor(line.length));
    }
    if (!this.fits(line.length)) {
      this.countDropped(records);
      return false;
    }
    this.queuedBytes += line.length;
    const written = new Promise<void>((resolve, reject) => this.pending.push({ line, entries, resolve, reject }));
    this.scheduleDrain();
    return written.then(() => true);
  }

  /** Moves the journal into batch files, resolving once they are written; what arrives meanwhile goes to a new journal. */
  async seal(): Promise<void> {
    await this.exclusive(() => this.moveJournal());
    await this.compressSealedInTurn();
  }

  read(batch: SpooledBatch): Promise<Buffer> {
    return readFile(batch.file);
  }

  remove(batchId: string): Promise<void> {
    return this.exclusive(async () => {
      const batch = this.batchList.find((candidate) => candidate.batchId === batchId);
      if (!batch) return;
      this.batchList = this.batchList.filter((candidate) => candidate !== batch);
      await unlink(batch.file).catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await this.compressing.catch(() => undefined);
    await this.exclusive(async () => {
      await this.journal?.close();
      this.journal = null;
      await unlink(path.join(this.dir, LOCK)).catch(() => undefined);
    });
  }

  private fits(bytes: number): boolean {
    return this.usedBytes + bytes <= this.maxBytes;
  }

  private countDropped(records: TelemetryRecords): void {
    const counts = countsByKind(records);
    for (const kind of TELEMETRY_KINDS) this.droppedCounts[kind] += counts[kind];
  }

  /* Every change to the files runs in turn: appends, sealing, shedding and removal never interleave. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /*
   * Group commit: whatever queued while the previous write was being fsync'd goes in one write.
   * Each group takes its own turn, so a seal waiting for one gets in before the next: under
   * sustained load the appends would otherwise keep the journal to themselves.
   */
  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    void this.exclusive(() => this.drainGroup());
  }

  private async drainGroup(): Promise<void> {
    const group = this.pending.splice(0);
    const content = Buffer.concat(group.map((entry) => entry.line));
    try {
      this.journal ??= await open(path.join(this.dir, JOURNAL), 'a');
      await this.journal.appendFile(content);
      await this.journal.sync();
      this.journalBytes += content.length;
      this.journalEntries?.push(...group.flatMap((entry) => entry.entries));
      for (const entry of group) entry.resolve();
    } catch (error) {
      this.journalEntries = null;
      for (const entry of group) entry.reject(error);
    } finally {
      this.queuedBytes -= content.length;
      this.draining = false;
      if (this.pending.length > 0) this.scheduleDrain();
    }
  }

  /* The journal becomes a sealed file to compress; the next append starts a new one. */
  private async moveJournal(): Promise<void> {
    if (this.journalBytes === 0) return;
    await this.journal?.close();
    this.journal = null;
    this.sequence += 1;
    const sealing = path.join(this.dir, SEALING_DIR, `${String(this.sequence).padStart(12, '0')}.ndjson`);
    await rename(path.join(this.dir, JOURNAL), sealing);
    await syncDirectory(this.dir);
    this.sealed.push({ file: sealing, sequence: this.sequence, bytes: this.journalBytes, entries: this.journalEntries });
    this.journalBytes = 0;
    this.journalEntries = [];
  }

  /*
   * One compression at a time, oldest sealed journal first, so batches stay in order. A journal
   * whose compression failed stays in the queue for the next turn (and on disk for a restart).
   */
  private compressSealedInTurn(): Promise<void> {
    this.compressing = this.compressing
      .catch(() => undefined)
      .then(async () => {
        while (this.sealed.length > 0) {
          const next = this.sealed[0]!;
          await this.compressSealed(next.file, next.sequence, next.entries);
          this.sealed.shift();
        }
      });
    return this.compressing;
  }

  /*
   * Idempotent, for crash recovery: batch files of this sequence left by an interrupted run are
   * replaced, and the journal copy is deleted only once every batch file is in place.
   */
  private async compressSealed(sealing: string, sequence: number, inMemory: JournalEntry[] | null): Promise<void> {
    const prefix = `${String(sequence).padStart(12, '0')}-`;
    for (const stale of this.batchList.filter((batch) => path.basename(batch.file).startsWith(prefix))) await unlink(stale.file);
    this.batchList = this.batchList.filter((batch) => !path.basename(batch.file).startsWith(prefix));
    const entries =
      inMemory ?? parseJournal(await readFile(sealing), BATCH_MAX_JSON_BYTES, (reason) => this.log.warn({ file: sealing }, `skipped ${reason} in the telemetry journal`));
    const written: SpooledBatch[] = [];
    for (const [part, json] of batchesOf(entries, BATCH_MAX_JSON_BYTES).entries()) {
      const batchId = randomUUID();
      const file = path.join(this.dir, BATCH_DIR, `${prefix}${String(part).padStart(4, '0')}-${batchId}.zst`);
      const bytes = await writeDurably(file, this.zstd.compress(json));
      written.push({ batchId, file, bytes });
    }
    await syncDirectory(path.join(this.dir, BATCH_DIR));
    this.batchList.push(...written);
    await unlink(sealing);
  }

  /* Sheds logs and metrics, oldest batch first, until `needed` more bytes fit. */
  private async shedFor(needed: number): Promise<void> {
    await this.moveJournal();
    await this.compressSealedInTurn();
    for (const batch of this.batches()) {
      if (this.fits(needed)) return;
      const data = TelemetryData.parse(JSON.parse(Buffer.from(this.zstd.decompress(await readFile(batch.file))).toString('utf8')));
      const shed: TelemetryRecords = Object.fromEntries(SHEDDABLE_KINDS.map((kind) => [kind, data[kind]]));
      if (recordCount(shed) === 0) continue;
      this.countDropped(shed);
      for (const kind of SHEDDABLE_KINDS) data[kind] = [];
      // recordCount looks at the five arrays: spans in columns are still there to keep.
      if (recordCount(data) === 0 && !data.span_columns?.length) {
        this.batchList = this.batchList.filter((candidate) => candidate !== batch);
        await unlink(batch.file);
      } else {
        batch.bytes = await writeDurably(batch.file, this.zstd.compress(Buffer.from(JSON.stringify(data))));
      }
    }
  }

  /* Two agents sharing a data directory would interleave journal writes and delete each other's batches. */
  private async lock(): Promise<void> {
    const file = path.join(this.dir, LOCK);
    const holder = Number(await readFile(file, 'utf8').catch(() => ''));
    if (holder && holder !== process.pid && isAlive(holder)) throw new Error(`the telemetry spool in ${this.dir} is in use by process ${holder}`);
    await writeDurably(file, Buffer.from(String(process.pid)));
  }

  private async recover(): Promise<void> {
    await mkdir(path.join(this.dir, SEALING_DIR), { recursive: true });
    await this.lock();
    await mkdir(path.join(this.dir, BATCH_DIR), { recursive: true });
    for (const name of (await readdir(path.join(this.dir, BATCH_DIR))).sort()) {
      const file = path.join(this.dir, BATCH_DIR, name);
      const match = BATCH_FILE.exec(name);
      if (!match) {
        await unlink(file); // a .tmp left by a crash mid-write
        continue;
      }
      this.sequence = Math.max(this.sequence, Number(match[1]));
      this.batchList.push({ batchId: match[3]!, file, bytes: (await stat(file)).size });
    }
    for (const name of (await readdir(path.join(this.dir, SEALING_DIR))).sort()) {
      const match = SEALING_FILE.exec(name);
      if (!match) continue;
      this.sequence = Math.max(this.sequence, Number(match[1]));
      await this.compressSealed(path.join(this.dir, SEALING_DIR, name), Number(match[1]), null);
    }
    this.journalBytes = await stat(path.join(this.dir, JOURNAL)).then(
      (found) => found.size,
      () => 0,
    );
    // A journal left by an earlier process is read from disk when it is sealed.
    this.journalEntries = this.journalBytes > 0 ? null : [];
    await this.moveJournal();
    await this.compressSealedInTurn();
    this.batchList.sort((a, b) => path.basename(a.file).localeCompare(path.basename(b.file)));
  }
}

/** Writes beside the target, fsyncs, renames into place: the file is whole or absent. Returns its size. */
async function writeDurably(file: string, content: Uint8Array): Promise<number> {
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.write(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  return content.length;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
