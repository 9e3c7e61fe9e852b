import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';

export interface BatchWriterOptions {
  /** Rows that make an insert worth sending at once. */
  maxRows: number;
  /** Rows that make an insert worth sending after a short linger for more. */
  minRows: number;
  lingerMs: number;
  /** How long the first buffered row may wait for others. */
  maxDelayMs: number;
  /** Inserts into the table at once; rows arriving while all are busy make up the next one. */
  maxConcurrentInserts: number;
}

/*
 * At least 1,000 rows or 1 s per insert, and up to 25,000: every insert is a part ClickHouse merges
 * later, and under load merging the parts of 1,000-row inserts cost a third as much CPU as the
 * inserting. So 1,000 rows linger 100 ms for the batches arriving behind them; waiting longer
 * would leave an agent with few batches in flight waiting on its acks. Two inserts at once keep
 * ClickHouse busy while the next rows are being prepared and a finished insert's callers are
 * answered; more would only make more parts to merge.
 */
export const defaultBatchWriterOptions: BatchWriterOptions = {
  maxRows: 25_000,
  minRows: 1_000,
  lingerMs: 100,
  maxDelayMs: 1_000,
  maxConcurrentInserts: 2,
};

/**
 * How a table's rows travel to ClickHouse. Rows as objects (`JSONEachRow`), or blocks of columns
 * (`JSONColumns`: one array per column), which ClickHouse parses with a quarter less CPU and which
 * the ingest builds without an object per row.
 *
 * Items are serialised when they are written, not when their insert starts: held as objects
 * through the linger and the insert ahead of them, a batch's millions of small values outlived V8's
 * young generation and were copied into the old one, whose collections were the largest part of
 * the ingest's CPU. A text is one string for all of them.
 */
export interface TableEncoding<Item> {
  format: 'JSONEachRow' | 'JSONColumns';
  rowsIn(item: Item): number;
  /** The items' part of an insert's body. */
  text(items: readonly Item[]): string;
  /** An insert's body from the parts of the writes it carries. */
  body(texts: readonly string[]): string;
}

/*
 * ClickHouse reads JSONEachRow given as one JSON array of objects, so the rows of a write are
 * serialised by a single JSON.stringify: half the cost of the client's `insert`, which encodes them
 * one by one.
 */
export const jsonRows: TableEncoding<object> = {
  format: 'JSONEachRow',
  rowsIn: () => 1,
  text: (rows) => JSON.stringify(rows).slice(1, -1),
  body: (texts) => `[${texts.join(',')}]`,
};

export type ColumnBlock = Readonly<Record<string, readonly unknown[]>>;

/* ClickHouse reads JSONColumns objects one after another, so blocks are serialised one by one and joined as text. */
export const jsonColumns: TableEncoding<ColumnBlock> = {
  format: 'JSONColumns',
  rowsIn: (block) => Object.values(block)[0]?.length ?? 0,
  text: (blocks) => blocks.map((block) => JSON.stringify(block)).join(''),
  body: (texts) => texts.join(''),
};

/*
 * JSON numbers and booleans are read into String columns as written (200 as '200', true as
 * 'true'), as String() writes them, so span attributes need no conversion on the way; arrays too
 * (a span's events are stored as their JSON text). These are ClickHouse's defaults; they are
 * spelled out for a server configured otherwise.
 */
const insertSettings =
  'input_format_json_read_numbers_as_strings = 1, input_format_json_read_bools_as_strings = 1, input_format_json_read_arrays_as_strings = 1';

export async function insertEncoded<Item>(client: ClickHouseClient, table: string, encoding: TableEncoding<Item>, items: readonly Item[]): Promise<void> {
  await insertBody(client, table, encoding.format, encoding.body([encoding.text(items)]));
}

async function insertBody(client: ClickHouseClient, table: string, format: TableEncoding<unknown>['format'], body: string): Promise<void> {
  const result = await client.exec({ query: `INSERT INTO ${table} SETTINGS ${insertSettings} FORMAT ${format}`, values: Readable.from([body]) });
  // The answer to an INSERT is empty; reading it to the end frees the connection for the next query.
  for await (const chunk of result.stream) void chunk;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Buffers rows for one ClickHouse table and inserts them together: ClickHouse wants few large
 * inserts (each one is a part on disk that later merges), while rows arrive in small batches from
 * many agents. `write` resolves once its rows are in ClickHouse, so a caller can acknowledge only
 * stored data; a failed insert rejects every write it carried. At most `maxConcurrentInserts`
 * run at a time, and rows arriving while they do make up the next one.
 */
export class ClickHouseBatchWriter<Item> {
  private texts: string[] = [];
  private rows = 0;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private running = 0;
  /* A flush came while every insert slot was busy: the next free slot takes the buffered rows at once. */
  private flushWanted = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly client: ClickHouseClient,
    readonly table: string,
    private readonly encoding: TableEncoding<Item>,
    private readonly options: BatchWriterOptions = defaultBatchWriterOptions,
  ) {}

  write(items: readonly Item[]): Promise<void> {
    const rows = items.reduce((sum, item) => sum + this.encoding.rowsIn(item), 0);
    if (rows === 0) return Promise.resolve();
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.texts.push(this.encoding.text(items));
    this.rows += rows;
    const { maxRows, minRows, lingerMs, maxDelayMs } = this.options;
    if (this.rows >= maxRows) this.flush();
    else this.flushWithin(this.rows >= minRows ? lingerMs : maxDelayMs);
    return written;
  }

  /* Keeps the earlier of the flush already planned and one `ms` from now. */
  private flushWithin(ms: number): void {
    const due = Date.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => this.flush(), ms);
  }

  /** Inserts whatever is buffered now; resolves once nothing is buffered or being inserted. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.rows > 0) {
      if (this.running < this.options.maxConcurrentInserts) this.insertBuffered();
      else this.flushWanted = true;
    }
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private insertBuffered(): void {
    const texts = this.texts;
    const waiters = this.waiters;
    this.texts = [];
    this.rows = 0;
    this.waiters = [];
    this.running += 1;
    void insertBody(this.client, this.table, this.encoding.format, this.encoding.body(texts))
      .then(
        () => waiters.forEach((waiter) => waiter.resolve()),
        (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => {
        this.running -= 1;
        if (this.rows > 0 && (this.flushWanted || this.rows >= this.options.maxRows)) {
          this.flushWanted = false;
          this.flush();
        }
        if (this.running === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
  }
}
