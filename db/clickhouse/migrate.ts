import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseSchema } from './schema.js';

/** Creates whatever part of the schema is missing, in the client's database; repeat calls do nothing. */
export async function migrateClickHouse(client: ClickHouseClient): Promise<void> {
  for (const statement of clickhouseSchema) {
    try {
      await client.command({ query: statement });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`ClickHouse schema statement failed: ${firstLine(statement)}: ${reason}`, { cause: error });
    }
  }
}

export async function clickhouseVersion(client: ClickHouseClient): Promise<string> {
  const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
  const [row] = await result.json<{ version: string }>();
  if (row === undefined) throw new Error('SELECT version() returned no row');
  return row.version;
}

function firstLine(statement: string): string {
  return statement.split('\n', 1)[0]?.trim() ?? statement;
}
