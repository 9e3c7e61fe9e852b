import { ApiProblem } from '../../../../control/problem.js';
import type { FieldProblem } from '../../../../control/problem.js';

export interface TimeRange {
  from?: Date;
  to?: Date;
}

/**
 * A query's `from`/`to`, refused with the same 400 as any invalid field when they run backwards.
 * An empty window selects nothing: bounds beyond ClickHouse's range both read as its end.
 */
export function timeRange(query: { from?: string | undefined; to?: string | undefined }): TimeRange {
  const from = query.from === undefined ? undefined : new Date(query.from);
  const to = query.to === undefined ? undefined : new Date(query.to);
  if (from && to && from > to) throw invalidQuery({ path: 'query.from', message: 'must not be after to' });
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** `span` before `end`, but never before 1970: ClickHouse's DateTime parameters start there. */
export function windowBefore(end: Date, spanMs: number): Date {
  return new Date(Math.max(0, end.getTime() - spanMs));
}

export function invalidQuery(problem: FieldProblem): ApiProblem {
  return new ApiProblem('VALIDATION_ERROR', `Invalid request: ${problem.path}`, { details: [problem] });
}
