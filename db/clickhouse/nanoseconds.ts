/*
 * ClickHouse keeps telemetry times as DateTime64(9). Reads select them as decimal strings of Unix
 * nanoseconds (a ClickHouse server quotes 64-bit integers in JSON and chDB does not, so strings are
 * the one form both give alike), and this turns them into what the contract shows.
 */

const nanosPerMilli = 1_000_000n;

/** `1735689600123456789` → `2025-01-01T00:00:00.123456789Z`: ISO 8601 keeping every digit. */
export function isoFromNanos(nanos: string): string {
  const value = BigInt(nanos);
  const millis = value / nanosPerMilli;
  const subMilli = (value % nanosPerMilli).toString().padStart(6, '0');
  return new Date(Number(millis)).toISOString().replace('Z', `${subMilli}Z`);
}
