import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export interface ClickHouseHandle {
  client: ClickHouseClient;
  mode: 'embedded' | 'external';
}

/**
 * The same `@clickhouse/client` either way: over HTTP to a ClickHouse server when a URL is given,
 * else in-process chDB on a data folder. chDB belongs to one process per folder, so only the API
 * process opens it.
 */
export async function openClickHouse(options: { url?: string | undefined; dataDir: string }): Promise<ClickHouseHandle> {
  if (options.url) {
    return { client: createClient({ url: options.url, request_timeout: 30_000 }), mode: 'external' };
  }
  const dir = path.join(options.dataDir, 'clickhouse');
  await mkdir(dir, { recursive: true });
  // chDB types its connection against @clickhouse/client-common, whose settings type the client
  // now bundles as its own copy; the two are structurally the same interface.
  const connection = createChdbConnection({ path: dir }) as unknown as ClientConnection;
  return { client: createClient({ connection }), mode: 'embedded' };
}
