import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';

export interface BatchWriterOptions {
  /** Rows that make an insert worth sending at once. */
  maxRows: number;
  /** How long the first buffered row may wait for others. */
  maxDelayMs: number;
}

export const defaultBatchWriterOptions: BatchWriterOptions = { maxRows: 1_000, maxDelayMs: 1_000 };

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Buffers rows for one ClickHouse table and inserts them together: ClickHouse wants few large
 * inserts (each one is a part on disk that later merges), while rows arrive in small batches from
 * many agents. `write` resolves once its rows are in ClickHouse, so a caller can acknowledge only
 * stored data; a failed insert rejects every write it carried. One insert per table runs at a
 * time, and rows arriving meanwhile make up the next one.
 */
export class ClickHouseBatchWriter<Row extends object> {
  private rows: Row[] = [];
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inserting: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(
    private readonly client: ClickHouseClient,
    readonly table: string,
    private readonly options: BatchWriterOptions = defaultBatchWriterOptions,
  ) {}

  write(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.rows.push(...rows);
    if (this.rows.length >= this.options.maxRows) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    return written;
  }

  /** Inserts whatever is buffered now; resolves when it and every earlier insert are done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // One insert waits behind the running one at most, and takes every row buffered by the time it
    // starts: under load, inserts grow instead of queueing up one per batch.
    if (this.rows.length === 0 || this.queued) return this.inserting;
    this.queued = true;
    this.inserting = this.inserting.then(async () => {
      this.queued = false;
      const rows = this.rows;
      const waiters = this.waiters;
      this.rows = [];
      this.waiters = [];
      try {
        await insertJsonRows(this.client, this.table, rows);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    });
    return this.inserting;
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
