import type { Transaction } from 'kysely';
import type { HealthCheckResult } from '../../contracts/index.js';
import type { Database } from '../postgres/database.js';

const rowsPerInsert = 1_000;
/** `health_checks.response_time_ms` is an INTEGER; a check slower than this is recorded as this. */
const maxResponseTimeMs = 2_147_483_647;

/** Health check results of services already checked to be the reporting server's. */
export async function recordHealthChecks(trx: Transaction<Database>, results: readonly HealthCheckResult[]): Promise<void> {
  for (let start = 0; start < results.length; start += rowsPerInsert) {
    await trx
      .insertInto('health_checks')
      .values(
        results.slice(start, start + rowsPerInsert).map((result) => ({
          service_id: result.service_id,
          status_code: result.status_code ?? null,
          response_time_ms: Math.min(Math.round(result.response_time_ms), maxResponseTimeMs),
          is_healthy: result.is_healthy,
          error_message: result.error ?? null,
          checked_at: result.timestamp,
        })),
      )
      .execute();
  }
}
