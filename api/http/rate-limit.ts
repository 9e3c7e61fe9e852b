import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/postgres/database.js';
import { ApiProblem } from '../../control/problem.js';

/**
 * A token bucket per key, kept in PostgreSQL (`rate_limit_buckets`, migration 0019) so every API
 * process behind a load balancer spends the same budget: `capacity` requests at once, refilled
 * continuously at capacity per minute. A burst up to the capacity passes; a steady rate above it
 * waits. One statement refills, takes and records the verdict, so two processes taking from one
 * bucket at once are serialised by the row lock of the upsert, not by us.
 */
class SharedRateLimiter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly perMinute: number,
    private readonly scope: string,
  ) {}

  async take(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
    const capacity = this.perMinute;
    const refilled = sql<number>`LEAST(${capacity}::float8, rate_limit_buckets.tokens
      + EXTRACT(EPOCH FROM (clock_timestamp() - rate_limit_buckets.updated_at)) * ${capacity / 60}::float8)`;
    const row = await this.db
      .insertInto('rate_limit_buckets')
      .values({ key: `${this.scope}:${key}`, tokens: capacity - 1, allowed: true, updated_at: sql`clock_timestamp()` })
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet({
          allowed: sql`${refilled} >= 1`,
          tokens: sql`CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END`,
          updated_at: sql`clock_timestamp()`,
        }),
      )
      .returning(['allowed', 'tokens'])
      .executeTakeFirstOrThrow();
    if (row.allowed) return { allowed: true };
    const secondsPerToken = 60 / capacity;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - row.tokens) * secondsPerToken)) };
  }
}

/** A bucket idle for a minute is full again, so forgetting it changes nothing; any process may sweep. */
const sweepIntervalMs = 60_000;

export interface RateLimits {
  /** Requests per minute from one IP address, authenticated or not; 0 turns the limit off. */
  perIpPerMinute: number;
  /** Requests per minute with one API token or session; 0 turns the limit off. */
  perCallerPerMinute: number;
}

async function enforce(limiter: SharedRateLimiter | null, key: string, who: string): Promise<void> {
  if (!limiter) return;
  const outcome = await limiter.take(key);
  if (outcome.allowed) return;
  throw new ApiProblem('RATE_LIMITED', `Too many requests from this ${who}; retry in ${outcome.retryAfterSeconds} s`, {
    headers: { 'retry-after': String(outcome.retryAfterSeconds) },
  });
}

function callerKey(request: FastifyRequest): string | null {
  const caller = request.caller;
  if (!caller) return null;
  return caller.tokenId ? `token:${caller.tokenId}` : `user:${caller.userId}:${caller.orgId}`;
}

/**
 * Limits every REST request per IP (before authentication, so guessing tokens is throttled too)
 * and per caller once authenticated (a `preValidation` hook runs after the routes' `onRequest`
 * authentication). The health check is left alone: load balancers poll it.
 */
export function registerRateLimit(app: FastifyInstance, db: Kysely<Database>, limits: RateLimits, exempt: ReadonlySet<string>): void {
  const perIp = limits.perIpPerMinute > 0 ? new SharedRateLimiter(db, limits.perIpPerMinute, 'ip') : null;
  const perCaller = limits.perCallerPerMinute > 0 ? new SharedRateLimiter(db, limits.perCallerPerMinute, 'caller') : null;
  const limited = (request: FastifyRequest) => !exempt.has(request.routeOptions.url ?? '');

  app.addHook('onRequest', async (request) => {
    if (limited(request)) await enforce(perIp, request.ip, 'address');
  });
  app.addHook('preValidation', async (request) => {
    const key = callerKey(request);
    if (key && limited(request)) await enforce(perCaller, key, 'token or session');
  });

  if (!perIp && !perCaller) return;
  const sweeper = setInterval(() => {
    db.deleteFrom('rate_limit_buckets')
      .where('updated_at', '<', sql<Date>`now() - interval '1 minute'`)
      .execute()
      .catch((error: unknown) => app.log.warn({ err: error }, 'sweeping idle rate-limit buckets failed'));
  }, sweepIntervalMs);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));
}
