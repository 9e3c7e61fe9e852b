import { z } from 'zod';

/** ISO 8601 with an explicit offset: a timestamp without one is ambiguous across agents' time zones. */
export const IsoDateTime = z.iso.datetime({ offset: true });

// zod's own pattern admits the year 0000, which PostgreSQL refuses; the calendar (no 30 February) is
// checked by IsoDateTime, and said in the document by `format: date-time`.
const ISO_DATE_TIME_INPUT_PATTERN =
  /^(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * A date-time a client sends, taken in UTC. ISO 8601 allows offsets up to ±23:59, PostgreSQL
 * stores only those within ±15:59: the offset is applied here, so no store ever sees one. The
 * instant, in UTC, must also fall within the years a PostgreSQL timestamp and an ISO string share.
 */
export const IsoDateTimeInput = z
  .string()
  .regex(ISO_DATE_TIME_INPUT_PATTERN, { message: 'must be an ISO 8601 date-time with an offset, e.g. 2030-12-02T13:01:50Z', abort: true })
  .refine((value) => IsoDateTime.safeParse(value).success, 'must be a date of the calendar')
  .meta({ format: 'date-time' })
  .transform((value, context) => {
    const instant = new Date(value);
    const year = instant.getUTCFullYear();
    if (year >= 1 && year <= 9999) return instant.toISOString();
    context.addIssue({ code: 'custom', message: 'must fall within the years 0001 to 9999 in UTC', input: value });
    return z.NEVER;
  })
  .describe('ISO 8601 with an offset, taken in UTC; in UTC, within the years 0001 to 9999');

/** Postgres keys (`uuid_generate_v4`) and every id the control plane mints. */
export const Uuid = z.uuid();

/**
 * Ids of commands and subscriptions. Not a UUID on purpose: Temporal does not deduplicate
 * signals, so workflows derive command ids from workflow id + step to let both sides drop repeats.
 */
export const RequestId = z.string().min(1).max(255);

const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Semantic version, e.g. "0.1.0" or "0.2.0-rc.1". */
export const Semver = z.string().regex(SEMVER_PATTERN);

/** Machine-readable error code in UPPER_SNAKE_CASE, e.g. "PULL_FAILED". */
export const ErrorCode = z.string().regex(/^[A-Z][A-Z0-9_]*$/);

export const NonNegativeInt = z.int().min(0);
export const PositiveInt = z.int().min(1);
export const Port = z.int().min(1).max(65535);
export const Percent = z.number().min(0).max(100);

/**
 * JavaScript's whitespace (what `\s` and String.prototype.trim mean here), spelled out for patterns
 * in the document: `\s` means more or less in the other regex engines that read it.
 */
export const JS_WHITESPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * Text a person typed, stored without its surrounding whitespace. Checked as sent, so the document
 * says it exactly: at most `maxLength` characters, at least one of them not whitespace.
 */
export const trimmedText = (maxLength: number) =>
  z
    .string()
    .max(maxLength)
    .regex(new RegExp(`[^${JS_WHITESPACE}]`), 'must not be blank')
    .trim();

/** POSIX environment variable name: what `docker run -e` and every shell accept. */
export const EnvVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

export const StringMap = z.record(z.string(), z.string());
export const JsonObject = z.record(z.string(), z.unknown());

/** An IPv4 or IPv6 address. */
export const IpAddress = z.union([z.ipv4(), z.ipv6()]);

/** A DNS name the router can serve, e.g. "api.example.com". */
export const Hostname = z.hostname();

/*
 * A name a service may be given: lowercase, at least two labels, a letter-only top label (so no
 * IP address and no bare "localhost"), no trailing dot, 253 characters at most. Caddy and ACME
 * certify such names; anything else would be stored, sent to the agent and never work.
 */
export const Domain = z
  .string()
  .max(253)
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'a lowercase DNS name such as "shop.example.com" (letters, digits and inner hyphens; no IP address, wildcard or trailing dot)',
  );

// A regex rather than `.startsWith('/')`, which zod emits as a non-standard JSON Schema format.
/** An absolute path inside a container or on a server. */
export const AbsolutePath = z.string().regex(/^\//);

/*
 * URLs as a pattern can state them, RFC 3986 (the document's `format: uri`) allows them, and the
 * WHATWG parser behind z.url accepts them, so a client that follows the document is never refused:
 * a host that is a dotted name whose last label starts with a letter (the parser reads a numeric
 * last label as an IPv4 number, and fails on most), or a dotted-quad IPv4 address, no IPv6 literal;
 * an optional port up to 65535; path, query and fragment in RFC 3986's characters.
 */
const URL_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const URL_HOST = `(?:(?:[A-Za-z0-9_~-]+\\.)*[A-Za-z][A-Za-z0-9_~-]*\\.?|${URL_OCTET}(?:\\.${URL_OCTET}){3})`;
const URL_PORT = '(?::(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|\\d{1,4}))?';
const URL_ENCODED = '%[0-9A-Fa-f]{2}';
const URL_USER = `(?:[A-Za-z0-9._~!$&'()*+,;=:-]|${URL_ENCODED})+@`;
const URL_PCHAR = `(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|${URL_ENCODED})`;
const URL_TAIL = `(?:/${URL_PCHAR}*)*(?:\\?(?:${URL_PCHAR}|[/?])*)?(?:#(?:${URL_PCHAR}|[/?])*)?`;
const URL_REST = `(?:${URL_USER})?${URL_HOST}${URL_PORT}${URL_TAIL}$`;

/** A URL with a host, any scheme (`https://github.com/acme/billing`, `ssh://git@host/repo`). */
export const Url = z
  // One fault, not two, for text that is no URL at all.
  .url({ abort: true })
  .regex(new RegExp(`^[a-z][a-z0-9+.-]*://${URL_REST}`), 'must be a URL with a host name or IPv4 address')
  .meta({ format: 'uri' });

/**
 * An http(s) URL to any host, IP addresses and single-label names included: on a self-hosted
 * install a receiver is often `http://10.0.0.5/hook` or `http://alertmanager:9093` (zod's httpUrl
 * wants a dotted domain).
 */
export const HttpUrl = z
  .url({ protocol: /^https?$/, abort: true })
  .regex(new RegExp(`^https?://${URL_REST}`), 'must be an http(s) URL with a host name or IPv4 address')
  .meta({ format: 'uri' });
