import type { ClickHouseClient } from '@clickhouse/client';
import type { AlertCondition } from '../../contracts/index.js';

/*
 * One figure per service over a rule's window, from ClickHouse: the share of failed spans, a
 * percentile of span durations, or an aggregate of a metric. A service without data in the window
 * has no figure (a `count` of a metric is 0 then). `traces` is read FINAL: a span an SDK sent twice
 * is two rows until a merge collapses them (db/clickhouse/traces.ts), and must count once.
 */

type WindowedCondition = Extract<AlertCondition, { window_minutes: number }>;

export async function measure(client: ClickHouseClient, condition: WindowedCondition, serviceIds: readonly string[]): Promise<Map<string, number>> {
  if (serviceIds.length === 0) return new Map();
  const params = { services: [...serviceIds], minutes: condition.window_minutes };
  const figures = await (async () => {
    switch (condition.type) {
      case 'error_rate':
        return rows(client, `
          SELECT toString(service_id) AS service, 100 * countIf(status_code = 'error') / count() AS figure
          FROM traces FINAL
          WHERE service_id IN {services:Array(UUID)} AND start_time >= now64(9) - toIntervalMinute({minutes:UInt32})
          GROUP BY service_id`, params);
      case 'latency':
        return rows(client, `
          SELECT toString(service_id) AS service, quantile({quantile:Float64})(duration_ns) / 1e6 AS figure
          FROM traces FINAL
          WHERE service_id IN {services:Array(UUID)} AND start_time >= now64(9) - toIntervalMinute({minutes:UInt32})
          GROUP BY service_id`, { ...params, quantile: condition.percentile / 100 });
      case 'custom':
        // The aggregation is one of five fixed names (validated by the contract), never user text.
        return rows(client, `
          SELECT toString(service_id) AS service, ${aggregations[condition.aggregation]} AS figure
          FROM metrics_raw
          WHERE service_id IN {services:Array(UUID)} AND metric_name = {metric:String}
            AND timestamp >= now() - toIntervalMinute({minutes:UInt32})
          GROUP BY service_id`, { ...params, metric: condition.metric });
    }
  })();
  if (condition.type === 'custom' && condition.aggregation === 'count') {
    for (const id of serviceIds) if (!figures.has(id)) figures.set(id, 0);
  }
  return figures;
}

const aggregations = { avg: 'avg(value)', min: 'min(value)', max: 'max(value)', sum: 'sum(value)', count: 'count()' } as const;

async function rows(client: ClickHouseClient, query: string, query_params: Record<string, unknown>): Promise<Map<string, number>> {
  const result = await client.query({ query, query_params, format: 'JSONEachRow' });
  const figures = await result.json<{ service: string; figure: number | string }>();
  return new Map(figures.map((row) => [row.service, Number(row.figure)]));
}
