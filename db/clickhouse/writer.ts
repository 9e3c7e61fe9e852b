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
export class ClickHouseBatchWriter<Row extends object> {
  private rows: Row[] = [];
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
    private readonly options: BatchWriterOptions = defaultBatchWriterOptions,
  ) {}

  write(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.rows.push(...rows);
    const { maxRows, minRows, lingerMs, maxDelayMs } = this.options;
    if (this.rows.length >= maxRows) this.flush();
    else this.flushWithin(this.rows.length >= minRows ? lingerMs : maxDelayMs);
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
    if (this.rows.length > 0) {
      if (this.running < this.options.maxConcurrentInserts) this.insertBuffered();
      else this.flushWanted = true;
    }
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private insertBuffered(): void {
    const rows = this.rows;
    const waiters = this.waiters;
    this.rows = [];
    this.waiters = [];
    this.running += 1;
    void insertJsonRows(this.client, this.table, rows)
      .then(
        () => waiters.forEach((waiter) => waiter.resolve()),
        (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => {
        this.running -= 1;
        if (this.rows.length > 0 && (this.flushWanted || this.rows.length >= this.options.maxRows)) {
          this.flushWanted = false;
          this.flush();
        }
        if (this.running === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
  }
}

/*
 * ClickHouse reads JSONEachRow given as one JSON array of objects, so the rows are serialised by a
 * single JSON.stringify: half the cost of the client's `insert`, which encodes them one by one.
 */
export async function insertJsonRows(client: ClickHouseClient, table: string, rows: readonly object[]): Promise<void> {
  const result = await client.exec({ query: `INSERT INTO ${table} FORMAT JSONEachRow`, values: Readable.from([JSON.stringify(rows)]) });
  // The answer to an INSERT is empty; reading it to the end frees the connection for the next query.
  for await (const chunk of result.stream) void chunk;
}
