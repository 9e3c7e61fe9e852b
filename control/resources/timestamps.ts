/**
 * A timestamp column the contract leaves nullable although it has a default (`created_at`,
 * `updated_at`): null there means a broken row, reported as such rather than invented.
 */
export function isoTimestamp(value: Date | null, column: string): string {
  if (value === null) throw new Error(`${column} is null, although the column defaults to NOW()`);
  return value.toISOString();
}

export function isoTimestampOrNull(value: Date | null): string | null {
  return value?.toISOString() ?? null;
}
