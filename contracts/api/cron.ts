import { z } from 'zod';
import { JS_WHITESPACE } from '../primitives.js';

/*
 * Cron expressions as Temporal Schedules read them: five fields (minute hour day-of-month month
 * day-of-week) or one of the @-shorthands. Checked here so a bad schedule is a 400 naming the
 * field, not a failure when the schedule is created later.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const fields: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  // 7 is Sunday as well as 0, as in Vixie cron.
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const shorthands = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

function valueOf(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

/** Why one comma-separated item of a field is wrong, or undefined when it is fine. */
function itemFault(item: string, field: CronField): string | undefined {
  const [range = '', step, extra] = item.split('/');
  if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `bad step in "${item}"`;
  if (range === '*') return undefined;
  const [low = '', high, more] = range.split('-');
  if (more !== undefined) return `bad range "${range}"`;
  const start = valueOf(low, field);
  if (start === undefined) return `"${low}" is not a ${field.name} (${field.min}-${field.max})`;
  if (high === undefined) return undefined;
  const end = valueOf(high, field);
  if (end === undefined) return `"${high}" is not a ${field.name} (${field.min}-${field.max})`;
  return start <= end ? undefined : `range "${range}" runs backwards`;
}

/** Why the expression is not valid cron, or undefined when it is. */
export function cronFault(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (shorthands.has(trimmed.toLowerCase())) return undefined;
  const parts = trimmed.split(/\s+/);
  if (parts.length !== fields.length) return `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  for (const [index, part] of parts.entries()) {
    const field = fields[index]!;
    for (const item of part.split(',')) {
      const fault = itemFault(item, field);
      if (fault) return `${field.name} field: ${fault}`;
    }
  }
  return undefined;
}

/** Case-insensitive `text` as a pattern: JSON Schema patterns have no flags. */
const anyCase = (text: string) => [...text].map((char) => (/[a-z]/i.test(char) ? `[${char.toLowerCase()}${char.toUpperCase()}]` : char)).join('');

/** Numbers from 0 up to `max` as a pattern, leading zeros allowed as `valueOf` reads them. */
const numberPatterns: Record<string, string> = {
  minute: '[1-5]?\\d',
  hour: '1?\\d|2[0-3]',
  'day of month': '[1-9]|[12]\\d|3[01]',
  month: '[1-9]|1[0-2]',
  'day of week': '[0-7]',
};

/**
 * The syntax `cronFault` checks, as a pattern for the OpenAPI document: each field's values within
 * its range, by number or name, in lists, ranges and steps. Only a range's order (5-3) is beyond it.
 */
export const CRON_PATTERN = (() => {
  const fieldPattern = (field: CronField) => {
    const value = `(?:0*(?:${numberPatterns[field.name]})${field.names ? `|${field.names.map(anyCase).join('|')}` : ''})`;
    const item = `(?:\\*|${value}(?:-${value})?)(?:/[1-9]\\d*)?`;
    return `${item}(?:,${item})*`;
  };
  const shorthand = `@(?:${[...shorthands].map((name) => anyCase(name.slice(1))).join('|')})`;
  const space = `[${JS_WHITESPACE}]`;
  return `^${space}*(?:${shorthand}|${fields.map(fieldPattern).join(`${space}+`)})${space}*$`;
})();

export const CronExpression = z
  .string()
  // Before the trim, as the document's maxLength counts.
  .max(100)
  .trim()
  .superRefine((expression, ctx) => {
    const fault = cronFault(expression);
    if (fault) ctx.addIssue({ code: 'custom', message: `invalid cron expression: ${fault}` });
  })
  .meta({ pattern: CRON_PATTERN })
  .describe(
    'Five-field cron (minute hour day-of-month month day-of-week, UTC; a range runs from low to high) or @hourly, @daily, @weekly, @monthly, @yearly',
  );
