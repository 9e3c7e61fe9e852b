import { Cron } from 'croner';
import { z } from 'zod';
import { JS_WHITESPACE } from '../primitives.js';

/*
 * Cron expressions as Temporal Schedules read them, parsed by croner (the library also gives the
 * next fire times `GET /workflows/:id` shows). Five fields (minute hour day-of-month month
 * day-of-week), six with a leading seconds field, or one of the @-shorthands. Croner's own
 * extensions (L, W, #, ?) and a seventh (year) field are refused: Temporal reads six fields as
 * "… year", so `temporalCronOf` hands it seven, and it does not share croner's extensions.
 * Checked here so a bad schedule is a 400 naming the field, not a failure when the schedule is
 * created. Day of month and day of week must both match (Temporal's reading, croner's legacyMode off).
 */

const shorthands = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
/** What Temporal calls the shorthands croner knows under another name. */
const temporalShorthands: Record<string, string> = { '@midnight': '@daily', '@annually': '@yearly' };

const fieldCharacters = /^[0-9A-Za-z*,/-]+$/;
const knownNames = new Set(['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC', 'SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']);

/** Why the expression is not a cron both croner and Temporal read alike, or undefined when it is. */
export function cronFault(expression: string, timezone = 'UTC'): string | undefined {
  const trimmed = expression.trim();
  if (!shorthands.includes(trimmed.toLowerCase())) {
    const parts = trimmed.split(/\s+/);
    if (parts.length !== 5 && parts.length !== 6) {
      return `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got ${parts.length}`;
    }
    const odd = parts.find((part) => !fieldCharacters.test(part) || part.split(/[,/-]/).some((token) => /[a-z]/i.test(token) && !knownNames.has(token.toUpperCase())));
    if (odd !== undefined) return `"${odd}": only numbers, names, *, lists, ranges and steps are supported`;
  }
  try {
    const cron = new Cron(trimmed.toLowerCase().startsWith('@') ? trimmed.toLowerCase() : trimmed, { paused: true, timezone, legacyMode: false });
    if (cron.nextRun() === null) return 'it never fires';
    return undefined;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
  }
}

/** The next `count` fire times of a valid expression in `timezone`, after `from`. */
export function nextFireTimes(expression: string, timezone: string, count: number, from = new Date()): Date[] {
  const trimmed = expression.trim();
  return new Cron(trimmed.startsWith('@') ? trimmed.toLowerCase() : trimmed, { paused: true, timezone, legacyMode: false }).nextRuns(count, from);
}

/** The expression as Temporal's ScheduleSpec reads it: seconds-first six fields gain the year. */
export function temporalCronOf(expression: string): string {
  const trimmed = expression.trim();
  if (trimmed.startsWith('@')) return temporalShorthands[trimmed.toLowerCase()] ?? trimmed.toLowerCase();
  const parts = trimmed.split(/\s+/);
  return parts.length === 6 ? `${parts.join(' ')} *` : parts.join(' ');
}

/** Case-insensitive `text` as a pattern: JSON Schema patterns have no flags. */
const anyCase = (text: string) => [...text].map((char) => (/[a-z]/i.test(char) ? `[${char.toLowerCase()}${char.toUpperCase()}]` : char)).join('');

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Each field's numbers (leading zeros allowed) and names, as a pattern. */
const fieldValues: { numbers: string; names?: string[] }[] = [
  { numbers: '[1-5]?\\d' },
  { numbers: '1?\\d|2[0-3]' },
  { numbers: '[1-9]|[12]\\d|3[01]' },
  { numbers: '[1-9]|1[0-2]', names: monthNames },
  // 7 is Sunday as well as 0, as in Vixie cron.
  { numbers: '[0-7]', names: dayNames },
];

/**
 * The syntax `cronFault` checks, as a pattern for the OpenAPI document: each field's values within
 * its range, by number or name, in lists, ranges and steps (after * or a range). A range's order
 * (5-3), a step beyond the field's largest value and a date that never comes (31 February) are
 * beyond it.
 */
export const CRON_PATTERN = (() => {
  const fieldPattern = ({ numbers, names }: (typeof fieldValues)[number]) => {
    const value = `(?:0*(?:${numbers})${names ? `|${names.map(anyCase).join('|')}` : ''})`;
    // Croner refuses a step after a single value (12/15): only after * or a range.
    const item = `(?:(?:\\*|${value}-${value})(?:/[1-9]\\d*)?|${value})`;
    return `${item}(?:,${item})*`;
  };
  const shorthand = `@(?:${shorthands.map((name) => anyCase(name.slice(1))).join('|')})`;
  const space = `[${JS_WHITESPACE}]`;
  const seconds = `(?:${fieldPattern(fieldValues[0]!)}${space}+)?`;
  return `^${space}*(?:${shorthand}|${seconds}${fieldValues.map(fieldPattern).join(`${space}+`)})${space}*$`;
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
    'Five-field cron (minute hour day-of-month month day-of-week; a range runs from low to high), six with seconds first, or @hourly, @daily, @weekly, @monthly, @yearly; read in the workflow\'s timezone',
  );

/** An IANA time zone name, as Temporal Schedules and croner take it. */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((name) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone name, such as UTC or Europe/Paris')
  .describe('An IANA time zone name (UTC, Europe/Paris…)');
