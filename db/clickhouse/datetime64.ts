/*
 * ClickHouse keeps telemetry times as DateTime64(9). They are written as UTC text to the
 * nanosecond (`YYYY-MM-DD hh:mm:ss.nnnnnnnnn`), which needs no time zone setting and keeps every
 * digit. Reads select them as decimal strings of Unix nanoseconds (a ClickHouse server quotes
 * 64-bit integers in JSON and chDB does not, so strings are the one form both give alike), shown as
 * the contract's ISO 8601.
 */

const nanosPerSecond = 1_000_000_000n;
const nanosPerMilli = 1_000_000n;

/* Records of one batch are mostly within a few seconds of each other: the date and time of the last second is kept. */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` in UTC. */
function clickhouseTime(seconds: number, nanos: bigint): string {
  if (seconds !== cachedSecond) {
    const whole = new Date(seconds * 1000).toISOString();
    cachedSecond = seconds;
    cachedPrefix = `${whole.slice(0, 10)} ${whole.slice(11, 19)}.`;
  }
  return cachedPrefix + nanos.toString().padStart(9, '0');
}

export function clickhouseTimeFromNanos(unixNanos: number): string {
  const value = BigInt(Math.trunc(unixNanos));
  return clickhouseTime(Number(value / nanosPerSecond), value % nanosPerSecond);
}

const isoParts = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/i;

/** An ISO 8601 time (any offset, up to nanoseconds) as ClickHouse text, every digit kept. */
export function clickhouseTimeFromIso(iso: string): string {
  const parts = isoParts.exec(iso);
  if (!parts) throw new Error(`not an ISO 8601 time: ${iso}`);
  const offset = parts[3]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const seconds = Date.parse(`${parts[1]}${offset}`) / 1000;
  const fraction = (parts[2] ?? '').slice(0, 9).padEnd(9, '0');
  return clickhouseTime(seconds, BigInt(fraction));
}

/** `1735689600123456789` → `2025-01-01T00:00:00.123456789Z`: ISO 8601 keeping every digit. */
export function isoFromNanos(nanos: string): string {
  const value = BigInt(nanos);
  const millis = value / nanosPerMilli;
  const subMilli = (value % nanosPerMilli).toString().padStart(6, '0');
  return new Date(Number(millis)).toISOString().replace('Z', `${subMilli}Z`);
}
