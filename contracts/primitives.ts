import { z } from 'zod';

/** ISO 8601 with an explicit offset: a timestamp without one is ambiguous across agents' time zones. */
export const IsoDateTime = z.iso.datetime({ offset: true });

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

/** POSIX environment variable name: what `docker run -e` and every shell accept. */
export const EnvVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

export const StringMap = z.record(z.string(), z.string());
export const JsonObject = z.record(z.string(), z.unknown());

/** An IPv4 or IPv6 address. */
export const IpAddress = z.union([z.ipv4(), z.ipv6()]);

/** A DNS name the router can serve, e.g. "api.example.com". */
export const Hostname = z.hostname();

// A regex rather than `.startsWith('/')`, which zod emits as a non-standard JSON Schema format.
/** An absolute path inside a container or on a server. */
export const AbsolutePath = z.string().regex(/^\//);
