import type { ClickHouseClient } from '@clickhouse/client';
import type { BuildLogLine } from '../../contracts/index.js';
import { clickhouseTimeFromIso } from './datetime64.js';

/*
 * `build_logs` (beyond the contract, whose `deployments.build_logs` TEXT cannot take a log
 * streamed line by line): one row per line of a deployment's build, numbered by the agent from 0.
 * A ReplacingMergeTree on (deployment, line number), read with `LIMIT 1 BY`, so a progress
 * message the agent sends again stores nothing twice.
 */
export const buildLogsTable = `CREATE TABLE IF NOT EXISTS build_logs (
    deployment_id UUID,
    service_id UUID,
    line_no UInt32,
    timestamp DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    text String CODEC(ZSTD(1))
  ) ENGINE = ReplacingMergeTree()
  PARTITION BY toYYYYMM(timestamp)
  ORDER BY (deployment_id, line_no)
  TTL toDateTime(timestamp) + INTERVAL 90 DAY`;

export interface BuildLogRow {
  line_no: number;
  at: string;
  text: string;
}

export async function insertBuildLines(
  client: ClickHouseClient,
  target: { deploymentId: string; serviceId: string },
  firstLine: number,
  lines: BuildLogLine[],
): Promise<void> {
  if (lines.length === 0) return;
  await client.insert({
    table: 'build_logs',
    format: 'JSONEachRow',
    values: lines.map((line, index) => ({
      deployment_id: target.deploymentId,
      service_id: target.serviceId,
      line_no: firstLine + index,
      timestamp: clickhouseTimeFromIso(line.at),
      text: line.text,
    })),
  });
}

/** A deployment's build log lines from `fromLine` on, in order, at most `limit`. */
export async function buildLogLines(client: ClickHouseClient, deploymentId: string, fromLine = 0, limit = 100_000): Promise<BuildLogRow[]> {
  const result = await client.query({
    query: `
      SELECT line_no, formatDateTime(timestamp, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS at, text
      FROM build_logs
      WHERE deployment_id = {deploymentId:UUID} AND line_no >= {fromLine:UInt32}
      ORDER BY line_no
      LIMIT 1 BY line_no
      LIMIT {limit:UInt32}`,
    query_params: { deploymentId, fromLine, limit },
    format: 'JSONEachRow',
  });
  return result.json<BuildLogRow>();
}
