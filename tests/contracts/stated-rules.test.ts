import ajv2020 from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CronExpression, cronFault, HttpUrl, IsoDateTimeInput, toJsonSchema, trimmedText, Url } from '../../contracts/index.js';

/*
 * What the OpenAPI document says a field takes (its JSON Schema: pattern, format) against what the
 * server takes (the zod schema): a client built from the document must not be refused, and the
 * document must not hide a refusal. Each rule is probed with hand-picked edges and with strings
 * built at random from the pieces its syntax is made of.
 */

const { default: Ajv2020 } = ajv2020;
const { default: addFormats } = ajvFormats;
const ajv = new Ajv2020({ strict: true });
addFormats(ajv);

/** mulberry32: the same strings on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` strings, each one option per slot in turn; now and then a slot is left out or repeated,
 * so the strings fall on both sides of the rule and near its edges.
 */
function assembled(slots: readonly (readonly string[])[], count: number, seed: number): string[] {
  // The first option of a slot is drawn seven times in ten: it keeps most strings near valid.
  const next = random(seed);
  const pick = (options: readonly string[]) => (next() < 0.7 ? options[0]! : options[Math.floor(next() * options.length)]!);
  return Array.from({ length: count }, () =>
    slots
      .map((options) => {
        const roll = next();
        return roll < 0.01 ? '' : roll < 0.02 ? pick(options) + pick(options) : pick(options);
      })
      .join(''),
  );
}

function expectDocumentAgrees(schema: z.ZodType, samples: readonly string[], unstated: (value: string) => boolean = () => false) {
  const documented = ajv.compile(toJsonSchema(schema));
  let accepted = 0;
  for (const value of samples) {
    const served = schema.safeParse(value).success;
    if (served) accepted += 1;
    if (!served && unstated(value)) continue;
    expect(documented(value), JSON.stringify(value)).toBe(served);
  }
  // The samples reach both sides of the rule.
  expect(accepted).toBeGreaterThan(samples.length / 40);
  expect(accepted).toBeLessThan(samples.length);
}

describe('the OpenAPI document states what the server enforces', () => {
  it('cron expressions: fields, ranges, names, lists and steps (a range running backwards, a step beyond the field, a date that never comes: said in words)', () => {
    const value = ['5', '*', '0', '7', '8', '12', '13', '23', '24', '31', '32', '59', '60', '007', 'jan', 'Dec', 'sun', 'SAT', 'foo'];
    const field = [value, ['', '', '-5', '-12', '-sat', '-'], ['', '', '/15', '/0', '/'], ['', '', ',3', ',mon', ',']];
    const space = [' ', ' ', '  ', '\t', ''];
    const expressions = assembled([...field, space, ...field, space, ...field, space, ...field, space, ...field], 5000, 1);
    const edges = ['@daily', '@Hourly', ' @weekly ', '@every', '* * * * *', '*/2 * * * * *', '0 0 1 1 0', '5-3 * * * *', '*/0 * * * *', '0', '* * * *', '0 0 L * *'];
    expectDocumentAgrees(CronExpression, [...edges, ...expressions], (value) => /larger than to value|never fires|steps cannot be greater/.test(cronFault(value) ?? ''));
  });

  it('date-times a client sends: ISO 8601 with an offset, a real calendar day, years 0001 to 9999', () => {
    const slots = [
      ['2030', '2028', '0000', '0001', '9999', '99'],
      ['-'],
      ['12', '01', '02', '13', '00'],
      ['-'],
      ['28', '01', '29', '30', '31', '32'],
      ['T', 't', ' ', 'T'],
      ['12', '00', '23', '24'],
      [':'],
      ['00', '59', '60'],
      [':'],
      ['00', '59', '60'],
      ['', '.5', '.123456789', '.', ''],
      ['Z', 'z', '+00:00', '+16:24', '-23:59', '+24:00', '+0530', ''],
    ];
    const edges = ['2030-12-02T13:01:50+16:24', '2028-02-29T00:00:00Z', '2030-02-29T00:00:00Z', '0000-06-01T00:00:00Z', '2030-12-02T13:01:50'];
    // The instant's year in UTC (0001-01-01T00:30+01:00 lies in year 0) is said in the description.
    expectDocumentAgrees(IsoDateTimeInput, [...edges, ...assembled(slots, 3000, 3)], (value) => /^(0001-01-01|9999-12-31)/.test(value));
  });

  it('URLs: a scheme, a host name or IPv4 address, a port up to 65535', () => {
    const slots = [
      ['http', 'https', 'ftp', 'ssh', 'HTTP', '1x'],
      ['://', ':', ':/'],
      ['', '', 'user@', 'user:pw@', '@', 'us%20er@', 'a b@'],
      ['example', 'a', '10', '255', '256', '0x1f', '[::1]', '-', '_x', '%41'],
      ['.com', '', '.', '.0.0.5', '.1.1.999', '..com'],
      ['', '', ':8080', ':65535', ':65536', ':99999', ':'],
      ['/hook', '', '/', '?q=1', '#f', '#a#b', '/a b', '\\x', '/%41', '/%zz', '/[x]', '/é'],
    ];
    const edges = ['http://', 'http://alertmanager:9093', 'http://10.0.0.5/hook', 'http://1.2.3.999/', 'https://user:pw@h.example.com/x', 'ftp://files.example.com/x'];
    const samples = [...edges, ...assembled(slots, 4000, 4)];
    expectDocumentAgrees(HttpUrl, samples);
    expectDocumentAgrees(Url, samples);
  });

  it('trimmed text: its length as sent, and something besides whitespace', () => {
    const slots = [['a', '', ' ', '\t', '\u00a0', '\u3000', '\ufeff', '\u0085'], ['', 'é', ' '], ['', ' '.repeat(8), 'b'.repeat(8)]];
    expectDocumentAgrees(trimmedText(10), assembled(slots, 2000, 5));
  });
});
